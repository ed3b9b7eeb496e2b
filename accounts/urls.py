from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("logg-inn/", views.LoginView.as_view(), name="login"),
    path("logg-ut/", views.LogoutView.as_view(), name="logout"),
    path("min-side/", views.profile, name="profile"),
    path("min-side/api-nokler/", views.token_create, name="token_create"),
    path("min-side/api-nokler/<int:pk>/trekk-tilbake/", views.token_revoke, name="token_revoke"),
]
