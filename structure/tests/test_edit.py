"""Structure edit pages: permission matrix; refusals change nothing; history has the actor."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import RoleGrant
from core import testing as t
from structure.models import Body, Membership, Seat

ACTORS = ["anonymous", "contact_a", "secretary_x", "admin_user"]
WATCHED = [Body, Seat, Membership, RoleGrant]


@pytest.fixture
def world(org_a, body_x, body_y, contact_a, secretary_x, admin_user):
    def side(body):
        seat = t.SeatFactory(body=body)
        return {"body": body, "seat": seat, "empty_seat": t.SeatFactory(body=body),
                "membership": t.MembershipFactory(seat=seat, organisation=org_a)}

    return {
        "X": side(body_x), "Y": side(body_y), "person": t.PersonFactory(), "org": org_a,
        "users": {"anonymous": None, "contact_a": contact_a, "secretary_x": secretary_x,
                  "admin_user": admin_user},
    }


def body_post(side):
    body = side["body"]
    return {"name": body.name + " (endret)", "short_name": "", "kind": body.kind,
            "mandate": "Nytt mandat.", "mandate_date": "", "parent": "", "owner": "",
            "sort_order": "5", "valid_from": "", "valid_to": "", "source": ""}


PAGES = [  # name, url args, POST data (None: GET only), model written, scope
    ("body_seats", lambda s, w: [s["body"].slug], None, None, "body"),
    ("seat_create", lambda s, w: [s["body"].slug],
     lambda s, w: {"role": "member", "constituency": "Vestlandet", "sort_order": "3"},
     Seat, "body"),
    ("seat_edit", lambda s, w: [s["seat"].pk],
     lambda s, w: {"role": "chair", "constituency": "", "sort_order": "1"}, Seat, "body"),
    ("seat_delete", lambda s, w: [s["empty_seat"].pk], lambda s, w: {}, Seat, "body"),
    ("membership_create", lambda s, w: [s["empty_seat"].pk],
     lambda s, w: {"person": w["person"].pk, "organisation": w["org"].pk,
                   "valid_from": "2024-01-01", "valid_to": "2028-01-01",
                   "decision_ref": "HS-sak 12/24"}, Membership, "body"),
    ("membership_edit", lambda s, w: [s["membership"].pk],
     lambda s, w: {"organisation": w["org"].pk, "valid_from": "2024-01-01",
                   "valid_to": "2027-01-01", "decision_ref": "ny"}, Membership, "body"),
    ("membership_end", lambda s, w: [s["membership"].pk],
     lambda s, w: {"valid_to": "2025-06-01"}, Membership, "body"),
    ("membership_delete", lambda s, w: [s["membership"].pk], lambda s, w: {}, Membership,
     "body"),
    ("body_edit", lambda s, w: [s["body"].slug], lambda s, w: body_post(s), Body, "admin"),
]


def allowed(actor: str, side: str, scope: str) -> bool:
    if actor == "admin_user":
        return True
    return scope == "body" and actor == "secretary_x" and side == "X"


def snapshot():
    return {m.__name__: (list(m.objects.order_by("pk").values()), m.history.count())
            for m in WATCHED}


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


MATRIX = [
    pytest.param(page, actor, side, method, id=f"{page[0]}-{actor}-{side}-{method}")
    for page in PAGES for actor in ACTORS for side in "XY"
    for method in (["GET"] if page[2] is None else ["GET", "POST"])
]


@pytest.mark.parametrize("page,actor,side,method", MATRIX)
def test_permission_matrix(world, page, actor, side, method):
    name, args, data, model, scope = page
    user = world["users"][actor]
    url = reverse(f"structure_edit:{name}", args=args(world[side], world))
    before = snapshot()
    client = client_for(user)
    send = client.get if method == "GET" else client.post
    response = send(url, data(world[side], world)) if data else send(url)

    if user is None:
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
        assert snapshot() == before
    elif not allowed(actor, side, scope):
        assert response.status_code == 403
        assert snapshot() == before
    elif method == "GET":
        assert response.status_code == 200
        assert response.content.count(b"<h1") == 1
        assert snapshot() == before
    else:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert snapshot() != before
        assert model.history.filter(history_user=user).exists()


def test_appointment_records_the_term(world, secretary_x):
    seat = world["X"]["empty_seat"]
    response = client_for(secretary_x).post(
        reverse("structure_edit:membership_create", args=[seat.pk]),
        {"person": world["person"].pk, "organisation": world["org"].pk,
         "valid_from": "2024-01-01", "valid_to": "2028-01-01", "decision_ref": "HS 1/24"})
    assert response.status_code == 302
    membership = seat.memberships.get()
    assert membership.person == world["person"]
    assert membership.valid_to == datetime.date(2028, 1, 1)
    assert membership.history.get().history_user == secretary_x


def test_overlapping_term_is_shown_on_the_field_and_changes_nothing(world, secretary_x):
    seat = world["X"]["seat"]  # held 2024-01-01 .. 2099-01-01
    before = snapshot()
    response = client_for(secretary_x).post(
        reverse("structure_edit:membership_create", args=[seat.pk]),
        {"person": world["person"].pk, "organisation": "", "valid_from": "2025-01-01",
         "valid_to": "", "decision_ref": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="#id_valid_from"' in html
    assert 'id="id_valid_from_error"' in html
    assert snapshot() == before


def test_seat_with_members_cannot_be_deleted(world, secretary_x):
    seat = world["X"]["seat"]
    before = snapshot()
    response = client_for(secretary_x).post(
        reverse("structure_edit:seat_delete", args=[seat.pk]))
    assert response.status_code == 200
    assert "ds-alert" in response.content.decode()
    assert snapshot() == before


def test_extra_fields_in_post_change_nothing_else(world, secretary_x, body_y):
    seat = world["X"]["seat"]
    membership = world["X"]["membership"]
    response = client_for(secretary_x).post(
        reverse("structure_edit:seat_edit", args=[seat.pk]),
        {"role": "chair", "constituency": "", "sort_order": "1", "body": body_y.pk,
         "owner": world["org"].pk, "is_staff": "on", "role_grant": "admin"})
    assert response.status_code == 302
    seat.refresh_from_db()
    assert seat.role == "chair" and seat.body == world["X"]["body"]
    response = client_for(secretary_x).post(
        reverse("structure_edit:membership_edit", args=[membership.pk]),
        {"organisation": world["org"].pk, "valid_from": "2024-01-01", "valid_to": "2099-01-01",
         "decision_ref": "x", "person": world["person"].pk, "seat": world["Y"]["seat"].pk,
         "is_demo": "on"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.person != world["person"]
    assert membership.seat == seat
    assert membership.is_demo is False
    secretary_x.refresh_from_db()
    assert not secretary_x.is_staff


def test_body_edit_refuses_a_reporting_cycle(world, admin_user):
    parent, child = world["X"]["body"], world["Y"]["body"]
    Body.objects.filter(pk=child.pk).update(parent=parent)
    before = snapshot()
    response = client_for(admin_user).post(
        reverse("structure_edit:body_edit", args=[parent.slug]),
        body_post(world["X"]) | {"parent": child.pk})
    assert response.status_code == 200
    assert "ds-error-summary" in response.content.decode()
    assert snapshot() == before


def test_post_without_csrf_token_is_refused(world, secretary_x):
    client = Client(enforce_csrf_checks=True)
    client.force_login(secretary_x)
    before = snapshot()
    response = client.post(reverse("structure_edit:seat_delete",
                                   args=[world["X"]["empty_seat"].pk]))
    assert response.status_code == 403
    assert snapshot() == before


def test_seat_list_query_count_is_bounded(world, secretary_x):
    body = world["X"]["body"]
    client = client_for(secretary_x)
    url = reverse("structure_edit:body_seats", args=[body.slug])
    client.get(url)
    few = t.count_queries(lambda: client.get(url))
    for _ in range(10):
        t.MembershipFactory(seat=t.SeatFactory(body=body), organisation=world["org"])
    assert t.count_queries(lambda: client.get(url)) == few
