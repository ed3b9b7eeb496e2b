"""Pages of cases and anchoring, mounted under /saker/ (namespace cases), open to everyone.
The forms are in cases/edit_urls.py, under /rediger/saker/ like every edit page."""

from django.urls import path

from core.cache import public_page

from . import exports, views

# Arguments are named <model>_pk (the browser suite fills them with that model's key).

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("eksport.csv", public_page(exports.case_export), name="case_export"),
    path("kommende/", views.upcoming, name="upcoming"),
    path("folger/", views.follows, name="follows"),
    path("forankring/", views.dashboard, name="dashboard"),
    path("<int:case_pk>/", views.case_detail, name="case_detail"),
    path("<int:case_pk>/endringer/", views.case_history, name="case_history"),
    path("dokumenter/<int:casedocument_pk>/", views.document_download, name="document_download"),
    path("innspill/<int:inputround_pk>/", views.round_detail, name="round_detail"),
    path("moter/", views.meeting_list, name="meeting_list"),
    path("moter/<int:meeting_pk>/", views.meeting_detail, name="meeting_detail"),
]
