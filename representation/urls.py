"""Pages of representation, mounted under /representasjon/ (namespace representation).

The public register, vacancies and rules are open to everybody; nominating needs an
organisation contact's grant; the optimiser, appointments and edits are the secretariat's.
(Reports back have their own URLconf, representation/report_urls.py.)
"""

from django.urls import path

from . import views

# Arguments are named <model>_pk (the browser suite fills them with that model's key).

app_name = "representation"
urlpatterns = [
    path("", views.public_register, name="public_register"),
    path("verv/", views.vacancy_list, name="vacancy_list"),
    path("verv/ny/", views.vacancy_create, name="vacancy_create"),
    path("verv/<int:vacancy_pk>/", views.vacancy_detail, name="vacancy_detail"),
    path("verv/<int:vacancy_pk>/endre/", views.vacancy_edit, name="vacancy_edit"),
    path("verv/<int:vacancy_pk>/status/", views.vacancy_status, name="vacancy_status"),
    path("verv/<int:vacancy_pk>/endringer/", views.vacancy_history, name="vacancy_history"),
    path("verv/<int:vacancy_pk>/nominer/", views.nomination_create, name="nomination_create"),
    path("verv/<int:vacancy_pk>/forslag/", views.vacancy_proposal, name="vacancy_proposal"),
    path("verv/<int:vacancy_pk>/kjonn/", views.gender_record, name="gender_record"),
    path("verv/<int:vacancy_pk>/oppnevn/", views.appointment_create, name="appointment_create"),
    path("nominasjoner/<int:nomination_pk>/trekk/", views.nomination_withdraw,
         name="nomination_withdraw"),
    path("organer/<slug:body_slug>/regler/", views.rule_list, name="rule_list"),
    path("organer/<slug:body_slug>/regler/ny/", views.rule_create, name="rule_create"),
    path("regler/<int:representativityrule_pk>/", views.rule_edit, name="rule_edit"),
    path("regler/<int:representativityrule_pk>/aktiv/", views.rule_active, name="rule_active"),
    path("oppnevninger/", views.appointment_list, name="appointment_list"),
    path("oppnevninger/<int:appointment_pk>/avslutt/", views.appointment_end,
         name="appointment_end"),
    path("oppnevninger/<int:appointment_pk>/gjenoppnevn/", views.appointment_renew,
         name="appointment_renew"),
]
