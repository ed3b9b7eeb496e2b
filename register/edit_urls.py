"""Edit pages for authorised users, mounted under /rediger/ (namespace register_edit)."""

from django.urls import path

from . import edit_views as views

app_name = "register_edit"
urlpatterns = [
    path("organisasjoner/<int:pk>/", views.organisation_edit, name="organisation_edit"),
    path("organisasjoner/<int:pk>/personer/", views.organisation_people,
         name="organisation_people"),
    path("organisasjoner/<int:pk>/personer/ny/", views.person_create, name="person_create"),
    path("organisasjoner/<int:pk>/personer/<int:person_pk>/", views.person_edit,
         name="person_edit"),
    path("tilknytninger/<int:pk>/", views.affiliation_edit, name="affiliation_edit"),
    path("tilknytninger/<int:pk>/avslutt/", views.affiliation_end, name="affiliation_end"),
    path("tilknytninger/<int:pk>/slett/", views.affiliation_delete, name="affiliation_delete"),
]
