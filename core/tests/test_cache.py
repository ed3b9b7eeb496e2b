"""Public pages are cached for anonymous visitors only, revalidate with 304 and never go stale."""

import pytest
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpResponse
from django.urls import reverse

from core.cache import data_version
from core.services import history_save
from core.testing import OrganisationFactory


@pytest.fixture(autouse=True)
def _empty_cache(settings):
    # The test settings switch the page cache off (tests write rows without history).
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "test-cache"}}
    cache.clear()
    yield
    cache.clear()


def test_an_anonymous_page_is_served_from_the_cache(client, db, django_assert_num_queries):
    OrganisationFactory(name="Hurum")
    url = reverse("register:organisation_list")
    first = client.get(url)
    with django_assert_num_queries(1):  # the data version only
        second = client.get(url)
    assert second.content == first.content and "Hurum" in second.content.decode()
    assert second["ETag"] == first["ETag"]
    assert "no-cache" in second["Cache-Control"] and "Cookie" in second["Vary"]


def test_a_revalidation_answers_304_without_rendering(client, db, django_assert_num_queries):
    url = reverse("core:home")
    etag = client.get(url)["ETag"]
    with django_assert_num_queries(1):
        response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304 and not response.content


def test_a_write_through_a_service_shows_on_the_next_anonymous_visit(client, db):
    organisation = OrganisationFactory(name="Gamle navn")
    url = organisation.get_absolute_url()
    before = client.get(url)
    version = data_version()
    organisation.name = "Nytt navn"
    history_save(organisation, actor=None)
    assert data_version() != version
    after = client.get(url, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200 and "Nytt navn" in after.content.decode()
    assert "Nytt navn" in client.get(reverse("register:organisation_list")).content.decode()


def test_a_delete_and_an_m2m_change_change_the_version(db):
    first, second = OrganisationFactory(), OrganisationFactory()
    version = data_version()
    second.predecessors.add(first)
    assert data_version() != version
    version = data_version()
    second.delete()
    assert data_version() != version


def test_languages_are_cached_apart(client, db):
    url = reverse("core:about")
    norwegian = client.get(url)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(url, HTTP_IF_NONE_MATCH=norwegian["ETag"])
    assert english.status_code == 200 and english["ETag"] != norwegian["ETag"]
    assert '<html lang="en"' in english.content.decode()


def test_logged_in_visitors_are_never_cached(client, admin_user, db):
    url = reverse("core:about")
    anonymous = client.get(url)
    client.force_login(admin_user)
    response = client.get(url, HTTP_IF_NONE_MATCH=anonymous["ETag"])
    assert response.status_code == 200 and admin_user.username in response.content.decode()
    assert "ETag" not in response and "private" in response["Cache-Control"]
    client.logout()
    assert admin_user.username not in client.get(url).content.decode()


def test_public_pages_carry_no_csrf_token_or_cookie(client, db):
    for name in ["core:home", "core:about", "register:organisation_list", "structure:body_list"]:
        response = client.get(reverse(name))
        assert "csrfmiddlewaretoken" not in response.content.decode()
        assert settings.CSRF_COOKIE_NAME not in response.cookies


def _anonymous_request(rf):
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.cache import SessionStore

    request = rf.get("/x/")
    request.user, request.session = AnonymousUser(), SessionStore()
    request._messages = FallbackStorage(request)
    return request


def _counting_view(render):
    from core.cache import public_page

    calls = []

    @public_page
    def view(request):
        calls.append(1)
        return HttpResponse(render(request))

    return view, calls


def test_a_page_that_renders_a_csrf_token_is_not_shared(rf, db):
    from django.middleware.csrf import get_token

    view, calls = _counting_view(get_token)
    for _ in range(2):
        view(_anonymous_request(rf))
    assert len(calls) == 2


def test_a_flash_message_is_never_shared(rf, db):
    view, calls = _counting_view(
        lambda request: " ".join(str(m) for m in messages.get_messages(request)))
    request = _anonymous_request(rf)
    messages.info(request, "Only for you")
    assert b"Only for you" in view(request).content
    assert b"Only for you" not in view(_anonymous_request(rf)).content
    assert len(calls) == 2
    view(_anonymous_request(rf))
    assert len(calls) == 2  # a page without a message is shared


def test_the_language_switch_sets_the_cookie_and_goes_back(client, db):
    response = client.get(reverse("core:set_language"), {"language": "en", "next": "/om/"})
    assert response.status_code == 302 and response["Location"] == "/om/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert '<html lang="en"' in client.get("/om/").content.decode()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:x"])
def test_the_language_switch_never_leaves_the_site(client, db, target):
    response = client.get(reverse("core:set_language"), {"language": "en", "next": target})
    assert response["Location"] == "/"


def test_an_unknown_language_sets_nothing(client, db):
    response = client.get(reverse("core:set_language"), {"language": "xx", "next": "/"})
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_healthz_pings_the_database(client, db, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get(reverse("core:healthz"))
    assert response.content == b"ok" and "no-cache" in response["Cache-Control"]


def test_api_reads_are_cached_for_anonymous_clients_only(client, db):
    OrganisationFactory(name="Hurum")
    first = client.get("/api/organisations")
    second = client.get("/api/organisations", HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 304
    with_token = client.get("/api/organisations", HTTP_IF_NONE_MATCH=first["ETag"],
                            HTTP_AUTHORIZATION="Bearer nonsense")
    assert with_token.status_code != 304 and "ETag" not in with_token


def test_a_round_closing_changes_the_version_without_a_write(db, admin_user, body_x,
                                                             time_machine):
    import datetime

    from cases.tests.conftest import make_case, make_round

    time_machine.move_to(datetime.datetime(2026, 6, 1, 8, 0, tzinfo=datetime.UTC), tick=False)
    case = make_case(admin_user, body_x, status="in_progress")
    step = case_step(admin_user, case, body_x)
    make_round(admin_user, step, closes=datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC))
    before = data_version()
    time_machine.move_to(datetime.datetime(2026, 6, 1, 8, 59, tzinfo=datetime.UTC), tick=False)
    assert data_version() == before  # same day, nothing passed
    time_machine.move_to(datetime.datetime(2026, 6, 1, 9, 0, 1, tzinfo=datetime.UTC), tick=False)
    assert data_version() != before  # the round closed: its inputs are public now


def case_step(admin_user, case, body):
    from cases import services

    return services.step_create(actor=admin_user, case=case, data={"body": body,
                                                                   "purpose": "input"})
