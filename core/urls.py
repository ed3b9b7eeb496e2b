from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("om/", views.about, name="about"),
    path("tilgjengelighet/", views.accessibility, name="accessibility"),
    path("healthz", views.healthz, name="healthz"),
    # Under /i18n/ with Django's own switch: not a page (the browser suite skips /i18n/).
    path("i18n/sprak/", views.set_language, name="set_language"),
]
