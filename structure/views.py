"""Public pages of the model's structure: the bodies, their seats and current members."""

from django.http import Http404
from django.shortcuts import render

from core.cache import public_page
from core.views import history_context

from . import selectors
from .models import Body


@public_page
def body_list(request):
    counts = selectors.member_counts()
    bodies = list(selectors.body_list())
    for body in bodies:
        body.member_count = counts.get(body.pk, 0)
    return render(request, "structure/body_list.html", {"bodies": bodies})


@public_page
def body_detail(request, slug: str):
    try:
        body = selectors.body_detail(slug=slug)
    except Body.DoesNotExist as error:
        raise Http404 from error
    seats = list(body.seats.all())
    return render(request, "structure/body_detail.html", {
        "body": body, "seats": seats,
        "children": [child for child in body.children.all() if child.is_current],
        "has_demo": any(m.is_demo for seat in seats for m in seat.current_memberships),
        **history_context(body),
    })
