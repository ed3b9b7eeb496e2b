from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("kommende/", views.upcoming, name="upcoming"),
    path("forankring/", views.dashboard, name="dashboard"),
    path("<int:case_pk>/", views.case_detail, name="case_detail"),
    path("<int:case_pk>/endringer/", views.case_history, name="case_history"),
    path("dokumenter/<int:casedocument_pk>/", views.document_download, name="document_download"),
    path("innspill/<int:inputround_pk>/", views.round_detail, name="round_detail"),
    path("moter/", views.meeting_list, name="meeting_list"),
    path("moter/<int:meeting_pk>/", views.meeting_detail, name="meeting_detail"),
]
