"""Reports back and the representativity report. Pages under /representasjon/; the forms
(filing a report, recording meetings) under /rediger/representasjon/ like every edit page."""

from django.urls import path

from . import report_views as views

app_name = "representation_reports"

urlpatterns = [
    path("representasjon/mine-verv/", views.my_appointments, name="my_appointments"),
    path("representasjon/rapporter/", views.public_summaries, name="public_summaries"),
    path("representasjon/rapporter/oppfolging/", views.overview, name="overview"),
    path("representasjon/rapporter/<int:pk>/", views.report_detail, name="report_detail"),
    path("representasjon/representativitet/", views.sector_representativity,
         name="sector_representativity"),
    path("representasjon/representativitet/<slug:slug>/", views.body_representativity,
         name="body_representativity"),
    path("rediger/representasjon/verv/<int:pk>/rapport/", views.appointment_report_create,
         name="report_create"),
    path("rediger/representasjon/organer/<slug:slug>/moter/", views.body_meetings,
         name="body_meetings"),
]
