from django.contrib import admin
from django.urls import include, path

from config.api import api

urlpatterns = [
    path("", include("core.urls")),
    path("", include("register.urls")),
    path("", include("structure.urls")),
    path("", include("accounts.urls")),
    path("", include("representation.report_urls")),
    path("representasjon/", include("representation.urls")),
    path("saker/", include("cases.urls")),
    path("saker/", include("cases.feed_urls")),
    path("rediger/", include("register.edit_urls")),
    path("rediger/", include("structure.edit_urls")),
    path("rediger/saker/", include("cases.edit_urls")),
    path("losninger/", include("solutions.urls")),
    path("rediger/losninger/", include("solutions.edit_urls")),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler404 = "core.errors.not_found"
