from django.urls import path

from core.cache import public_page

from . import views

app_name = "register"
urlpatterns = [
    path("organisasjoner/", views.organisation_list, name="organisation_list"),
    path("organisasjoner/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("fylker/", views.county_list, name="county_list"),
    path("fylker/<str:number>/", views.county_detail, name="county_detail"),
    path("nettverk/", views.network_list, name="network_list"),
    path("nettverk/<slug:slug>/", views.network_detail, name="network_detail"),
    path("personer/<int:pk>/", views.person_detail, name="person_detail"),
    path("organisasjoner/<int:pk>/endringer/", views.organisation_history,
         name="organisation_history"),
    path("fylker/<str:number>/endringer/", views.county_history, name="county_history"),
    path("nettverk/<slug:slug>/endringer/", views.network_history, name="network_history"),
    path("personer/<int:pk>/endringer/", views.person_history, name="person_history"),
]

from . import exports  # noqa: E402 - appended: the CSV export (register/exports.py)

urlpatterns.append(path("organisasjoner/eksport.csv", public_page(exports.organisation_export),
                        name="organisation_export"))
