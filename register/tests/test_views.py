"""Public register pages: open to anonymous users, filters, paging, bounded queries, privacy."""

import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from core import testing as t
from register.models import Organisation, OrganisationKind
from register.selectors import can_see_contact_details, people_with_visible_contact_details

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return Client()


def get(client, name, *args, **params):
    return client.get(reverse(f"register:{name}", args=args), params)


def names_in(response) -> set[str]:
    return {o.name for o in response.context["organisations"]}


# --- every page answers anonymous users ---------------------------------------------------

def test_pages_answer_anonymous(client):
    membership = t.NetworkMembershipFactory()
    organisation = membership.organisation
    person = t.AffiliationFactory(organisation=organisation).person
    for name, args in [
        ("organisation_list", []), ("organisation_detail", [organisation.pk]),
        ("county_list", []), ("county_detail", [organisation.county.number]),
        ("network_list", []), ("network_detail", [membership.network.slug]),
        ("person_detail", [person.pk]),
    ]:
        response = get(client, name, *args)
        assert response.status_code == 200, name
        assert response.content.count(b"<h1") == 1, name


@pytest.mark.parametrize("name, args", [
    ("organisation_detail", [999999]), ("county_detail", ["xx"]),
    ("network_detail", ["no-such-network"]), ("person_detail", [999999]),
])
def test_unknown_objects_are_404(client, name, args):
    assert get(client, name, *args).status_code == 404


# --- organisation list: filters and paging --------------------------------------------------

@pytest.fixture
def register_sample():
    north = t.CountyFactory(number="18", name="Nordland - Nordlánnda", short_name="Nordland")
    west = t.CountyFactory(number="46", name="Vestland", short_name="Vestland")
    bodo = t.OrganisationFactory(number="1804", name="Bodø", county=north)
    bergen = t.OrganisationFactory(number="4601", name="Bergen", county=west)
    voss = t.OrganisationFactory(number="4621", name="Voss", county=west, org_number="")
    vestland = t.OrganisationFactory(kind=OrganisationKind.COUNTY_MUNICIPALITY, number="46",
                                     name="Vestland fylkeskommune", county=west)
    network = t.NetworkFactory(name="Digi Vestland", slug="digi-vestland")
    t.NetworkMembershipFactory(network=network, organisation=bergen)
    return {"bodo": bodo, "bergen": bergen, "voss": voss, "vestland": vestland,
            "network": network}


def test_list_unfiltered_shows_all_current_organisations(client, register_sample):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # asserted in English; pages default to nb
    t.OrganisationFactory(name="Nedlagt kommune", valid_to=datetime.date(2020, 1, 1))
    response = get(client, "organisation_list")
    assert names_in(response) == {"Bodø", "Bergen", "Voss", "Vestland fylkeskommune"}
    assert "4 organisations" in response.content.decode()


def test_list_filters(client, register_sample):
    assert names_in(get(client, "organisation_list", kind="municipality")) == {
        "Bodø", "Bergen", "Voss"}
    assert names_in(get(client, "organisation_list", kind="county_municipality")) == {
        "Vestland fylkeskommune"}
    assert names_in(get(client, "organisation_list", county="46")) == {
        "Bergen", "Voss", "Vestland fylkeskommune"}
    assert names_in(get(client, "organisation_list", network="digi-vestland")) == {"Bergen"}
    assert names_in(get(client, "organisation_list", q="berg")) == {"Bergen"}
    assert names_in(get(client, "organisation_list", q="1804")) == {"Bodø"}
    assert names_in(get(client, "organisation_list", q=register_sample["bergen"].org_number)) \
        == {"Bergen"}


def test_list_shows_unknown_org_number(client, register_sample):
    response = get(client, "organisation_list", q="Voss")
    assert "unknown" in response.content.decode()


def test_invalid_filter_value_is_a_client_error(client, register_sample):
    assert get(client, "organisation_list", kind="no-such-kind").status_code == 400
    assert get(client, "organisation_list", ordering="email").status_code == 400


def test_filter_form_has_labels(client, register_sample):
    html = get(client, "organisation_list").content.decode()
    for field in ["q", "kind", "county", "network", "ordering", "page_size"]:
        assert f'for="id_{field}"' in html


def test_paging(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # asserted in English; pages default to nb
    t.OrganisationFactory.create_batch(25)
    response = get(client, "organisation_list", page_size="10", page="3")
    assert response.status_code == 200
    assert len(response.context["organisations"]) == 5
    assert "25 organisations" in response.content.decode()
    assert 'href="?page_size=10&amp;page=2"' in response.content.decode()


@pytest.mark.parametrize("params", [
    {"page": "0"}, {"page": "2"}, {"page": "abc"}, {"page": "-1"}, {"page": "1.5"},
    {"page_size": "9"}, {"page_size": "201"}, {"page_size": "abc"}, {"page_size": ""  + "9" * 30},
])
def test_bad_paging_parameters_are_404(client, params):
    t.OrganisationFactory()
    assert get(client, "organisation_list", **params).status_code == 404


# --- organisation detail ---------------------------------------------------------------------

def test_organisation_detail_facts(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # asserted in English; pages default to nb
    old = t.OrganisationFactory(name="Gamle Haram", valid_to=datetime.date(2020, 1, 1))
    organisation = t.OrganisationFactory(
        name="Guovdageaidnu - Kautokeino", org_number="", source="SSB KLASS 131 (2024)",
        population=2900, population_date=datetime.date(2024, 1, 1),
    )
    organisation.predecessors.add(old)
    network = t.NetworkMembershipFactory(organisation=organisation).network
    html = get(client, "organisation_detail", organisation.pk).content.decode()
    assert "Guovdageaidnu" in html and "Kautokeino" in html
    assert "unknown" in html
    assert "Source of data" in html and "SSB KLASS 131 (2024)" in html
    assert network.name in html
    assert "Gamle Haram" in html
    assert organisation.county.get_absolute_url() in html
    assert "Change log" in html


def test_organisation_detail_hides_contact_details_from_anonymous(client, admin_user):
    affiliation = t.AffiliationFactory(title="IKT-sjef")
    url = reverse("register:organisation_detail", args=[affiliation.organisation_id])
    html = client.get(url).content.decode()
    assert affiliation.person.name in html and "IKT-sjef" in html
    assert affiliation.person.email not in html
    assert affiliation.person.phone not in html
    client.force_login(admin_user)
    html = client.get(url).content.decode()
    assert affiliation.person.email in html


def test_batch_contact_visibility_agrees_with_the_single_check(org_a, org_b, contact_a,
                                                              admin_user):
    people = [t.AffiliationFactory(organisation=org).person for org in (org_a, org_b)]
    for actor in [None, contact_a, admin_user]:
        from django.contrib.auth.models import AnonymousUser

        actor = actor or AnonymousUser()
        expected = {p.pk for p in people if can_see_contact_details(actor, p)}
        assert people_with_visible_contact_details(actor, people) == expected


# --- person page -----------------------------------------------------------------------------

def test_person_contact_details_hidden_for_anonymous_shown_for_admin(client, admin_user):
    person = t.AffiliationFactory().person
    url = reverse("register:person_detail", args=[person.pk])
    html = client.get(url).content.decode()
    assert person.name in html
    assert person.email not in html and person.phone not in html  # also not in the change log
    client.force_login(admin_user)
    html = client.get(url).content.decode()
    assert person.email in html and person.phone in html


def test_person_page_marks_demo_people_and_lists_memberships(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # asserted in English; pages default to nb
    person = t.PersonFactory(name="Kari Demo", is_demo=True)
    current = t.MembershipFactory(person=person, is_demo=True)
    past = t.MembershipFactory(person=person, valid_from=datetime.date(2015, 1, 1),
                               valid_to=datetime.date(2019, 1, 1))
    response = get(client, "person_detail", person.pk)
    html = response.content.decode()
    assert "Demo data" in html
    assert current.seat.body.name in html and past.seat.body.name in html


# --- counties and networks --------------------------------------------------------------------

def test_county_detail_lists_municipalities_county_municipality_and_networks(
        client, register_sample):
    register_sample["network"].counties.add(register_sample["bergen"].county)
    html = get(client, "county_detail", "46").content.decode()
    for text in ["Bergen", "Voss", "Vestland fylkeskommune", "Digi Vestland"]:
        assert text in html
    assert "Bodø" not in html


def test_network_detail_shows_certainty_source_and_members(client, register_sample):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # asserted in English; pages default to nb
    network = register_sample["network"]
    network.source_url = "https://example.invalid/a ; https://example.invalid/b"
    network.source_date = "2021"
    network.stated_member_count = 41
    network.note = "Kilde: medlemsliste ikke funnet."
    network.save()
    html = get(client, "network_detail", network.slug).content.decode()
    assert "Low certainty:" in html and "incomplete" in html
    assert 'href="https://example.invalid/a"' in html and 'href="https://example.invalid/b"' in html
    assert "41" in html and "Kilde: medlemsliste ikke funnet." in html
    assert "Bergen" in html


# --- bounded queries --------------------------------------------------------------------------

def _queries(client, url):
    def fetch():
        assert client.get(url).status_code == 200
    return t.count_queries(fetch)


def test_organisation_list_queries_bounded(client):
    url = reverse("register:organisation_list")
    t.NetworkMembershipFactory.create_batch(3)
    small = _queries(client, url)
    t.NetworkMembershipFactory.create_batch(297)
    assert Organisation.objects.count() == 300
    large = _queries(client, url + "?page_size=200")
    assert small == large < 25


def _organisation_with(n: int, *, predecessors: int = 1) -> str:
    organisation = t.OrganisationFactory()
    for _ in range(n):
        t.AffiliationFactory(organisation=organisation)
        t.MembershipFactory(organisation=organisation)
        t.NetworkMembershipFactory(organisation=organisation)
    organisation.predecessors.add(*t.OrganisationFactory.create_batch(predecessors))
    return reverse("register:organisation_detail", args=[organisation.pk])


def test_organisation_detail_queries_bounded(client, admin_user):
    small, large = _organisation_with(3), _organisation_with(30)
    # Naming rows referenced in the change log costs one query per referenced model among the
    # entries shown (the newest few); more data can only push older kinds of entry off the page.
    assert _queries(client, large) <= _queries(client, small) < 25
    client.force_login(admin_user)
    client.get(small)  # the first request of a session records when it was last seen
    assert _queries(client, large) <= _queries(client, small) < 25


def test_organisation_detail_queries_bounded_with_many_predecessor_changes(client):
    small = _organisation_with(1)
    large = _organisation_with(1)
    org = Organisation.objects.get(pk=int(large.rstrip("/").rsplit("/", 1)[1]))
    for other in t.OrganisationFactory.create_batch(10):
        org.predecessors.add(other)  # each add is one more history record
    assert _queries(client, large) <= _queries(client, small)  # fewer kinds of reference shown


def test_county_list_queries_bounded(client):
    url = reverse("register:county_list")
    t.OrganisationFactory.create_batch(3)
    small = _queries(client, url)
    t.OrganisationFactory.create_batch(300)
    t.OrganisationFactory.create_batch(30, kind=OrganisationKind.COUNTY_MUNICIPALITY)
    assert small == _queries(client, url) < 25


def test_county_detail_queries_bounded(client):
    county = t.CountyFactory(number="11")
    t.OrganisationFactory.create_batch(3, county=county)
    url = reverse("register:county_detail", args=["11"])
    small = _queries(client, url)
    t.OrganisationFactory.create_batch(100, county=county)
    t.NetworkFactory.create_batch(5)[0].counties.add(county)
    assert small == _queries(client, url) < 25


def test_network_list_queries_bounded(client):
    url = reverse("register:network_list")
    for membership in t.NetworkMembershipFactory.create_batch(3):
        membership.network.counties.add(membership.organisation.county)
    small = _queries(client, url)
    for membership in t.NetworkMembershipFactory.create_batch(60):
        membership.network.counties.add(membership.organisation.county)
    assert small == _queries(client, url) < 25


def test_network_detail_queries_bounded(client):
    network = t.NetworkFactory()
    t.NetworkMembershipFactory.create_batch(3, network=network)
    url = reverse("register:network_detail", args=[network.slug])
    small = _queries(client, url)
    t.NetworkMembershipFactory.create_batch(100, network=network)
    assert small == _queries(client, url) < 25


def test_person_detail_queries_bounded(client):
    person = t.PersonFactory()
    t.MembershipFactory.create_batch(3, person=person)
    t.AffiliationFactory.create_batch(3, person=person)
    url = reverse("register:person_detail", args=[person.pk])
    small = _queries(client, url)
    t.MembershipFactory.create_batch(30, person=person)
    t.AffiliationFactory.create_batch(30, person=person)
    assert small == _queries(client, url) < 25


def test_change_log_shows_choice_labels_and_yes_no_not_stored_codes(client):
    person = t.PersonFactory(is_demo=False)
    t.AffiliationFactory(person=person)
    person.is_demo = True
    person.save()
    organisation = t.OrganisationFactory(kind=OrganisationKind.MUNICIPALITY)
    url = reverse("register:organisation_detail", args=[organisation.pk])
    html = client.get(url).content.decode()
    assert ">Kommune<" in html and ">municipality<" not in html
    html = client.get(reverse("register:person_detail", args=[person.pk])).content.decode()
    assert ">Nei<" in html and ">Ja<" in html and ">True<" not in html


@pytest.mark.parametrize("query", ["ålesund", "ÅLESUND", "Ålesund", "lesund"])
def test_search_ignores_case_in_norwegian_letters(client, query):
    t.OrganisationFactory(name="Ålesund")
    t.OrganisationFactory(name="Øygarden")
    html = client.get(reverse("register:organisation_list"), {"q": query}).content.decode()
    assert "Ålesund" in html and "Øygarden" not in html


def test_counts_use_the_same_current_as_the_lists(client, db):
    """An ended municipality and a membership not yet begun are not counted (nor listed)."""
    import datetime

    county = t.CountyFactory(number="15")
    t.OrganisationFactory(county=county)
    t.OrganisationFactory(county=county, valid_from=datetime.date(2020, 1, 1),
                          valid_to=datetime.date(2023, 12, 31))
    network = t.NetworkFactory()
    t.NetworkMembershipFactory(network=network)
    t.NetworkMembershipFactory(network=network, valid_from=datetime.date(2999, 1, 1))
    from register import selectors

    assert {c.number: c.municipality_count for c in selectors.county_list()}["15"] == 1
    assert {n.pk: n.member_count for n in selectors.network_list()}[network.pk] == 1
