"""The full change log of each object: paged by key, complete, private where it must be."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from core import testing as t
from core.history import Cursor, change_count
from core.views import HISTORY_PAGE_SIZE, HISTORY_PREVIEW
from register import services as register_services
from register.models import Affiliation, Person

pytestmark = pytest.mark.django_db
ROW = re.compile(r'<tr><td class="nowrap"><time datetime="([^"]+)"')
OLDER = re.compile(r'href="(\?etter=[^"]+)" rel="next"')


def crawl(client, url) -> tuple[list[str], int]:
    """Every row's timestamp over all pages of a change log, and the number of pages."""
    stamps, pages, next_url = [], 0, url
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200
        html = response.content.decode()
        stamps += ROW.findall(html)
        pages += 1
        older = OLDER.search(html)
        next_url = url + older.group(1).replace("&amp;", "&") if older else None
    return stamps, pages


def organisation_with_history(n: int, *, same_time: bool = False):
    """An organisation whose log holds 1 + n entries: n people affiliated with it. With
    ``same_time`` all n are written in one bulk insert carrying one timestamp."""
    organisation = t.OrganisationFactory()
    people = bulk_create_with_history([Person(name=f"Person {i}") for i in range(n)], Person)
    people = list(Person.objects.order_by("pk"))[-n:]
    when = timezone.now() - timedelta(days=1)
    bulk_create_with_history(
        [Affiliation(person=p, organisation=organisation) for p in people], Affiliation,
        default_date=when if same_time else None)
    return organisation


@pytest.mark.parametrize("same_time", [False, True])
def test_paging_shows_every_change_once(same_time):
    organisation = organisation_with_history(2 * HISTORY_PAGE_SIZE + 7, same_time=same_time)
    url = reverse("register:organisation_history", args=[organisation.pk])
    stamps, pages = crawl(Client(), url)
    assert len(stamps) == change_count(organisation) == 2 * HISTORY_PAGE_SIZE + 8
    assert pages == 3
    assert stamps == sorted(stamps, reverse=True)  # newest first across pages


def test_paging_has_no_duplicates_when_rows_share_a_timestamp():
    organisation = organisation_with_history(HISTORY_PAGE_SIZE + 5, same_time=True)
    url = reverse("register:organisation_history", args=[organisation.pk])
    client, seen = Client(), []
    next_url = url
    while next_url:
        response = client.get(next_url)
        seen += [entry.history_id for entry in response.context["history"]
                 if entry.model is Affiliation]
        older = OLDER.search(response.content.decode())
        next_url = url + older.group(1).replace("&amp;", "&") if older else None
    assert len(seen) == len(set(seen)) == HISTORY_PAGE_SIZE + 5


def test_detail_page_shows_the_newest_changes_and_links_to_the_rest():
    organisation = organisation_with_history(HISTORY_PREVIEW + 3)
    html = Client().get(organisation.get_absolute_url()).content.decode()
    assert len(ROW.findall(html)) == HISTORY_PREVIEW
    assert reverse("register:organisation_history", args=[organisation.pk]) in html


def test_short_log_has_no_link_to_a_full_log():
    organisation = organisation_with_history(2)
    html = Client().get(organisation.get_absolute_url()).content.decode()
    assert len(ROW.findall(html)) == 3
    assert reverse("register:organisation_history", args=[organisation.pk]) not in html


@pytest.mark.parametrize("token", ["abc", "1.2", "1.2.3.4", "-1.0.1", "1e9.0.1",
                                   "9" * 30 + ".0.1", "١٢.0.1"])
def test_malformed_cursor_is_404(token):
    organisation = organisation_with_history(1)
    url = reverse("register:organisation_history", args=[organisation.pk])
    assert Client().get(url, {"etter": token}).status_code == 404


def test_cursor_round_trips():
    now = timezone.now()
    cursor = Cursor(now, 2, 12345)
    assert Cursor.parse(cursor.token()) == cursor


def test_history_queries_do_not_grow_with_the_log_or_the_page():
    small, large = organisation_with_history(3), organisation_with_history(3 * HISTORY_PAGE_SIZE)
    client = Client()

    def queries(url):
        return t.count_queries(lambda: client.get(url))

    small_url = reverse("register:organisation_history", args=[small.pk])
    large_url = reverse("register:organisation_history", args=[large.pk])
    deep = large_url + OLDER.search(client.get(large_url).content.decode()).group(1)
    # the small log names more kinds of reference (its organisation's county) on its one page
    assert queries(large_url) <= queries(small_url) < 25
    assert queries(deep.replace("&amp;", "&")) <= queries(small_url) + 3


def test_every_kind_of_object_has_a_history_page(org_a, body_x):
    person = t.PersonFactory()
    network = t.NetworkFactory()
    client = Client()
    for name, arg in [("register:organisation_history", org_a.pk),
                      ("register:county_history", org_a.county.number),
                      ("register:network_history", network.slug),
                      ("register:person_history", person.pk),
                      ("structure:body_history", body_x.slug)]:
        response = client.get(reverse(name, args=[arg]))
        assert response.status_code == 200, name
        assert "<h1" in response.content.decode()
    assert client.get(reverse("register:organisation_history", args=[999999])).status_code == 404
    assert client.get(reverse("structure:body_history", args=["nope"])).status_code == 404


def test_person_history_shows_contact_details_only_to_those_allowed(contact_a, org_a):
    person = register_services.person_create(
        actor=contact_a, organisation=org_a,
        data={"name": "Kari Nordmann", "email": "kari@example.invalid", "phone": "+47 400 00 001"})
    url = reverse("register:person_history", args=[person.pk])
    public = Client().get(url).content.decode()
    assert "kari@example.invalid" not in public and "400 00 001" not in public
    assert contact_a.username not in public
    own = Client()
    own.force_login(contact_a)
    assert "kari@example.invalid" in own.get(url).content.decode()


def test_actors_are_named_only_to_administrators(admin_user, org_a):
    register_services.organisation_update(actor=admin_user, organisation=org_a,
                                          data={"website": "https://example.invalid/"})
    url = reverse("register:organisation_history", args=[org_a.pk])
    assert admin_user.username not in Client().get(url).content.decode()
    client = Client()
    client.force_login(admin_user)
    assert admin_user.username in client.get(url).content.decode()
