"""Log in, log out, throttling, session lifetime."""

import time

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from core import testing as t

PASSWORD = "correct-horse-battery"
LOGIN = reverse("accounts:login")


@pytest.fixture
def user(db):
    return t.UserFactory(username="kari")


def login(client, username, password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def test_login_page_has_labelled_fields(db):
    html = Client().get(LOGIN).content.decode()
    assert '<label class="ds-label" for="id_username">' in html
    assert '<label class="ds-label" for="id_password">' in html
    assert html.count("<h1") == 1


def test_login_gives_a_new_session_key(user):
    client = Client()
    session = client.session
    session["before"] = True
    session.save()
    old_key = session.session_key
    response = login(client, "kari")
    assert response.status_code == 302
    assert client.session.session_key != old_key
    assert not Session.objects.filter(session_key=old_key).exists()
    assert int(client.session["_auth_user_id"]) == user.pk


def test_wrong_password_shows_an_error_summary(user):
    response = login(Client(), "kari", "wrong")
    assert response.status_code == 200
    assert "ds-error-summary" in response.content.decode()


@pytest.mark.parametrize("next_url,expected", [
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/min-side/", "/min-side/"),
])
def test_next_only_redirects_to_this_host(user, next_url, expected):
    response = Client().post(f"{LOGIN}?next={next_url}",
                             {"username": "kari", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == expected


def test_logout_is_post_only_and_ends_the_session(user):
    client = Client()
    client.force_login(user)
    key = client.session.session_key
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_five_failures_lock_the_username_from_that_address(user):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # asserted in English; pages default to nb
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "kari", "wrong").status_code == 200
    assert login(client, "kari", "wrong").status_code == 429  # the fifth failure locks
    response = login(client, "kari")  # even the right password
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lock_does_not_shut_out_colleagues_at_the_same_address(user):
    colleague = t.UserFactory(username="ola")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "kari", "wrong")
    other = Client()
    response = login(other, "ola")
    assert response.status_code == 302
    assert int(other.session["_auth_user_id"]) == colleague.pk


def test_forged_forwarded_for_header_does_not_reset_the_lock(user):
    client = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        login(client, "kari", "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    response = login(client, "kari", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert response.status_code == 429


def test_lock_is_per_address(user):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(Client(), "kari", "wrong", REMOTE_ADDR="10.0.0.1")
    assert login(Client(), "kari", REMOTE_ADDR="10.0.0.1").status_code == 429
    assert login(Client(), "kari", REMOTE_ADDR="10.0.0.2").status_code == 302


def test_lock_ends_after_the_cool_off(user, time_machine):
    time_machine.move_to("2025-01-01 12:00", tick=False)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(Client(), "kari", "wrong")
    assert login(Client(), "kari").status_code == 429
    time_machine.shift(settings.AXES_COOLOFF_TIME.total_seconds() + 1)
    assert login(Client(), "kari").status_code == 302


def test_idle_session_is_ended(user):
    client = Client()
    client.force_login(user)
    assert client.get(reverse("accounts:profile")).status_code == 200
    session = client.session
    session["_last_seen"] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 1
    session.save()
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_active_session_is_kept(user):
    client = Client()
    client.force_login(user)
    session = client.session
    session["_last_seen"] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT + 60
    session.save()
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_deactivating_a_user_ends_their_sessions(user):
    client = Client()
    client.force_login(user)
    assert client.get(reverse("accounts:profile")).status_code == 200
    user.is_active = False
    user.save()
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_session_cookie_lifetime_is_short():
    assert settings.SESSION_COOKIE_AGE <= 60 * 60 * 12
    assert settings.PASSWORD_RESET_TIMEOUT <= 60 * 60 * 24
