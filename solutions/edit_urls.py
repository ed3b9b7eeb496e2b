"""Forms of common solutions, under /rediger/losninger/ (namespace solutions_edit)."""

from django.urls import path

from . import edit_views as views

app_name = "solutions_edit"
urlpatterns = [
    path("ny/", views.solution_create, name="solution_create"),
    path("import/", views.adoption_import_page, name="adoption_import"),
    path("lenker/<int:solutionlink_pk>/slett/", views.link_delete, name="link_delete"),
    path("gevinstposter/<int:benefititem_pk>/slett/", views.benefit_item_delete,
         name="benefit_item_delete"),
    path("perioder/<int:adoption_pk>/", views.adoption_correct, name="adoption_correct"),
    path("<slug:solution_slug>/", views.solution_edit, name="solution_edit"),
    path("<slug:solution_slug>/lenker/ny/", views.link_add, name="link_add"),
    path("<slug:solution_slug>/gevinstmodell/", views.benefit_model_edit,
         name="benefit_model_edit"),
    path("<slug:solution_slug>/gevinstmodell/ny-post/", views.benefit_item_edit,
         name="benefit_item_create"),
    path("<slug:solution_slug>/gevinstmodell/<int:benefititem_pk>/", views.benefit_item_edit,
         name="benefit_item_edit"),
    path("<slug:solution_slug>/medlem/<int:organisation_pk>/", views.adoption_update,
         name="adoption_update"),
]
