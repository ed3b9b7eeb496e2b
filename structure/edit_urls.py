"""Edit pages for authorised users, mounted under /rediger/ (namespace structure_edit)."""

from django.urls import path

from . import edit_views as views

app_name = "structure_edit"
urlpatterns = [
    path("organer/<slug:slug>/", views.body_edit, name="body_edit"),
    path("organer/<slug:slug>/seter/", views.body_seats, name="body_seats"),
    path("organer/<slug:slug>/seter/ny/", views.seat_create, name="seat_create"),
    path("seter/<int:pk>/", views.seat_edit, name="seat_edit"),
    path("seter/<int:pk>/slett/", views.seat_delete, name="seat_delete"),
    path("seter/<int:pk>/oppnevn/", views.membership_create, name="membership_create"),
    path("medlemskap/<int:pk>/", views.membership_edit, name="membership_edit"),
    path("medlemskap/<int:pk>/avslutt/", views.membership_end, name="membership_end"),
    path("medlemskap/<int:pk>/slett/", views.membership_delete, name="membership_delete"),
]
