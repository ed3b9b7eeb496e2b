"""Public pages of the structure: bodies, seats and members, demo marking, bounded queries."""

import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from core import testing as t

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return Client()


def _queries(client, url):
    def fetch():
        assert client.get(url).status_code == 200
    return t.count_queries(fetch)


def test_body_list_shows_bodies_with_parent_and_member_count(client):
    parent = t.BodyFactory(name="KommIT-rådet", slug="kommit-radet")
    child = t.BodyFactory(name="Digitaliseringsutvalget", parent=parent, kind="committee")
    t.MembershipFactory.create_batch(2, seat__body=child)
    response = client.get(reverse("structure:body_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "KommIT-rådet" in html and "Digitaliseringsutvalget" in html
    assert {b.name: b.member_count for b in response.context["bodies"]}[child.name] == 2


def test_body_detail(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # asserted in English; pages default to nb
    parent = t.BodyFactory(name="Hovedstyret")
    body = t.BodyFactory(parent=parent, mandate="Første avsnitt.\n\nAndre avsnitt.",
                         mandate_date=datetime.date(2019, 1, 15))
    child = t.BodyFactory(name="Faggruppe arkiv", parent=body)
    membership = t.MembershipFactory(seat__body=body, decision_ref="KS-vedtak 2023/1")
    t.SeatFactory(body=body, role="deputy")  # vacant
    past = t.MembershipFactory(seat__body=body, person__name="Tidligere Medlem",
                               valid_from=datetime.date(2015, 1, 1),
                               valid_to=datetime.date(2019, 1, 1))
    response = client.get(body.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "<p>Første avsnitt.</p>" in html and "<p>Andre avsnitt.</p>" in html
    assert "Hovedstyret" in html and "Faggruppe arkiv" in html and child.get_absolute_url() in html
    assert membership.person.get_absolute_url() in html
    assert membership.organisation.name in html and "KS-vedtak 2023/1" in html
    assert "Vacant" in html
    seats, change_log = html.split('id="history-heading"')
    assert past.person.name not in seats  # past terms are not current members…
    assert past.person.name in change_log  # …but their history is on the body's page
    assert "Demo data" not in seats
    assert "Change log" in html


def test_body_detail_marks_demo_memberships(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # asserted in English; pages default to nb
    membership = t.MembershipFactory(is_demo=True)
    html = client.get(membership.seat.body.get_absolute_url()).content.decode()
    assert "Demo data" in html


def test_unknown_body_is_404(client):
    assert client.get(reverse("structure:body_detail", args=["no-such-body"])).status_code == 404


def test_body_list_queries_bounded(client):
    url = reverse("structure:body_list")
    for body in t.BodyFactory.create_batch(3):
        t.MembershipFactory(seat__body=body)
    small = _queries(client, url)
    parent = t.BodyFactory()
    for body in t.BodyFactory.create_batch(60, parent=parent):
        t.MembershipFactory.create_batch(2, seat__body=body)
    assert small == _queries(client, url) < 25


def test_body_detail_queries_bounded(client):
    def build(n):
        body = t.BodyFactory(parent=t.BodyFactory(), owner=t.OrganisationFactory())
        t.BodyFactory.create_batch(n, parent=body)
        t.MembershipFactory.create_batch(n, seat__body=body, is_demo=True)
        t.SeatFactory.create_batch(n, body=body)
        return body.get_absolute_url()

    small, large = build(3), build(40)
    # <=: the larger log's newest entries name fewer kinds of referenced rows
    assert _queries(client, large) <= _queries(client, small) < 25


def test_model_diagram_leaves_out_external_bodies(client):
    model_body = t.BodyFactory(name="KommIT-rådet (test)")
    external = t.BodyFactory(name="Nasjonalt e-helsestyre (test)", kind="external_body")
    html = client.get("/").content.decode()
    assert model_body.name in html
    assert external.name not in html
