"""The front page, the layout and the site's static pages."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from core import testing as t
from register.models import OrganisationKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def model():
    top = t.BodyFactory(name="Hovedstyret", kind="political_body")
    council = t.BodyFactory(name="KommIT-rådet", parent=top)
    t.BodyFactory(name="Digitaliseringsutvalget", parent=council, kind="committee")
    t.MembershipFactory.create_batch(3, seat__body=council)
    return council


def test_home_shows_key_figures_and_model_diagram(client, model):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # asserted in English; pages default to nb
    t.OrganisationFactory.create_batch(4)
    t.OrganisationFactory(kind=OrganisationKind.COUNTY_MUNICIPALITY)
    t.NetworkFactory.create_batch(2)
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    figures = response.context["figures"]
    # 4 + the 3 organisations the members represent (factories create them).
    assert figures == {"municipalities": 7, "county_municipalities": 1, "networks": 2,
                       "bodies": 3}
    html = response.content.decode()
    assert html.count("<h1") == 1
    # The diagram is nested lists with real links: the council's list holds its committee.
    council_box = html.index(model.get_absolute_url())
    assert html.index("Bodies reporting to KommIT-rådet") > council_box
    assert "3 members" in html


def test_home_queries_bounded(client, model):
    small = t.count_queries(lambda: client.get(reverse("core:home")))
    for body in t.BodyFactory.create_batch(30, parent=model):
        t.MembershipFactory.create_batch(2, seat__body=body)
    assert small == t.count_queries(lambda: client.get(reverse("core:home"))) < 10


@pytest.mark.parametrize("name", ["core:home", "core:about", "core:accessibility"])
def test_layout(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert '<html lang="' in html
    assert 'class="ds-skip-link" href="#main"' in html and 'id="main"' in html
    for landmark in ["<header", "<nav", "<main", "<footer"]:
        assert landmark in html
    assert '/i18n/sprak/?language=nb&amp;next=' in html  # links: no CSRF token to cache
    assert '/i18n/sprak/?language=en&amp;next=' in html
    assert reverse("core:accessibility") in html
    assert " style=" not in html and "<style" not in html  # strict CSP: no inline style
    assert "<script>" not in html


def test_layout_shows_the_logged_in_user(client, admin_user):
    client.force_login(admin_user)
    assert admin_user.username in client.get(reverse("core:about")).content.decode()


def test_accessibility_statement(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # asserted in English; pages default to nb
    html = client.get(reverse("core:accessibility")).content.decode()
    for text in ["(WCAG) 2.1", "level AA", "axe-core", "post@ks.no"]:
        assert text in html


def test_about_page_links_the_api(client):
    html = client.get(reverse("core:about")).content.decode()
    assert 'href="/api/docs"' in html and "KLASS" in html


def test_english_and_norwegian_both_render(client):
    for language in ["nb", "en"]:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = client.get(reverse("core:home"))
        assert response.status_code == 200
        assert f'<html lang="{language}"' in response.content.decode()
