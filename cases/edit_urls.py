"""The forms of cases and anchoring, mounted under /rediger/saker/ (namespace cases_edit):
who runs a case edits it here, organisation contacts give input here."""

from django.urls import path

from . import edit_views as views

# Arguments are named <model>_pk (the browser suite fills them with that model's key).

app_name = "cases_edit"
urlpatterns = [
    path("ny/", views.case_create, name="case_create"),
    path("<int:case_pk>/", views.case_edit, name="case_edit"),
    path("<int:case_pk>/status/", views.case_status, name="case_status"),
    path("<int:case_pk>/folg/", views.case_follow, name="case_follow"),
    path("<int:case_pk>/steg/ny/", views.step_create, name="step_create"),
    path("<int:case_pk>/dokumenter/ny/", views.document_add, name="document_add"),
    path("fra-rapport/<int:report_pk>/", views.case_from_report, name="case_from_report"),
    path("folg/organ/<int:body_pk>/", views.follow_body, name="follow_body"),
    path("folg/fylke/<int:county_pk>/", views.follow_county, name="follow_county"),
    path("folg/emne/<int:topic_pk>/", views.follow_topic, name="follow_topic"),
    path("steg/<int:anchoringstep_pk>/", views.step_edit, name="step_edit"),
    path("steg/<int:anchoringstep_pk>/slett/", views.step_delete, name="step_delete"),
    path("steg/<int:anchoringstep_pk>/innspillsrunde/", views.round_create,
         name="round_create"),
    path("steg/<int:anchoringstep_pk>/vedtak/", views.resolution_create,
         name="resolution_create"),
    path("dokumenter/<int:casedocument_pk>/", views.document_edit, name="document_edit"),
    path("innspill/<int:inputround_pk>/", views.round_edit, name="round_edit"),
    path("innspill/<int:inputround_pk>/svar/", views.input_edit, name="input_edit"),
    path("innspill/<int:inputround_pk>/tema/", views.round_themes, name="round_themes"),
    path("innspill/<int:inputround_pk>/syntese/", views.synthesis_point,
         name="synthesis_point"),
    path("innspill/<int:inputround_pk>/syntese/slett/", views.synthesis_point_delete,
         name="synthesis_point_delete"),
    path("moter/ny/", views.meeting_create, name="meeting_create"),
    path("moter/<int:meeting_pk>/", views.meeting_edit, name="meeting_edit"),
    path("moter/<int:meeting_pk>/sak/", views.agenda_item, name="agenda_item"),
]
