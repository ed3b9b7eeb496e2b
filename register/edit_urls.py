"""Edit pages for authorised users, mounted under /rediger/."""

from django.urls import path  # noqa: F401

app_name = "register_edit"
urlpatterns: list = []
