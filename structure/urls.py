from django.urls import path

from . import views

app_name = "structure"
urlpatterns = [
    path("organer/", views.body_list, name="body_list"),
    path("organer/<slug:slug>/", views.body_detail, name="body_detail"),
    path("organer/<slug:slug>/endringer/", views.body_history, name="body_history"),
]
