"""Public pages of the model's structure: the bodies, their seats and current members."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.access import is_admin
from core.cache import public_page
from core.views import history_context, history_page, period_label, url_maker

from . import selectors
from .models import Body


@public_page
def body_list(request):
    counts = selectors.member_counts()
    bodies = list(selectors.body_list())
    body_url = url_maker("structure:body_detail")
    organisation_url = url_maker("register:organisation_detail")
    for body in bodies:  # URLs built here: reversing three per row was most of the page
        body.member_count = counts.get(body.pk, 0)
        body.url = body_url(body.slug)
        body.parent_url = body_url(body.parent.slug) if body.parent else ""
        body.owner_url = organisation_url(body.owner_id) if body.owner_id else ""
    return render(request, "structure/body_list.html", {"bodies": bodies})


@public_page
def body_detail(request, slug: str):
    try:
        body = selectors.body_detail(slug=slug)
    except Body.DoesNotExist as error:
        raise Http404 from error
    seats = list(body.seats.all())
    person_url = url_maker("register:person_detail")
    organisation_url = url_maker("register:organisation_detail")
    for seat in seats:
        for membership in seat.current_memberships:
            membership.person_url = person_url(membership.person_id)
            membership.organisation_url = (organisation_url(membership.organisation_id)
                                           if membership.organisation_id else "")
            membership.period_label = period_label(membership)
    return render(request, "structure/body_detail.html", {
        "body": body, "seats": seats,
        "children": [child for child in body.children.all() if child.is_current],
        "has_demo": any(m.is_demo for seat in seats for m in seat.current_memberships),
        **history_context(body, show_actors=is_admin(request.user),
                          history_url=reverse("structure:body_history", args=[slug])),
    })


@public_page
def body_history(request, slug: str):
    body = get_object_or_404(Body, slug=slug)
    return history_page(request, body, show_actors=is_admin(request.user), crumbs=[
        (_("Bodies"), reverse("structure:body_list")), (body.name, body.get_absolute_url())])
