"""Pages of common solutions, mounted under /losninger/ (namespace solutions), open to everyone.
The forms are in solutions/edit_urls.py, under /rediger/losninger/ like every edit page."""

from django.urls import path

from . import views

# Arguments are named <model>_pk / <model>_slug (the browser suite fills them from that model).

app_name = "solutions"
urlpatterns = [
    path("", views.solution_list, name="solution_list"),
    path("medlem/<int:organisation_pk>/", views.member_profile, name="member_profile"),
    path("<slug:solution_slug>/", views.solution_detail, name="solution_detail"),
    path("<slug:solution_slug>/spredning/", views.solution_spread, name="solution_spread"),
    path("<slug:solution_slug>/medlemmer/", views.solution_members, name="solution_members"),
    path("<slug:solution_slug>/gevinster/", views.solution_benefits, name="solution_benefits"),
    path("<slug:solution_slug>/endringer/", views.solution_history, name="solution_history"),
    path("<slug:solution_slug>/medlem/<int:organisation_pk>/", views.adoption_detail,
         name="adoption_detail"),
    path("<slug:solution_slug>/eksport/<slug:chart>.<slug:fmt>", views.chart_export,
         name="chart_export"),
]
