"""Settings modes, checked in fresh processes: production must pass Django's deployment
checklist and refuse unsafe configurations loudly."""

import json
import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

BASE = Path(__file__).resolve().parents[2]
HOST = "samstyring.example"
# Variables the parent process may carry that would change the outcome.
SCRUB = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SAMSTYRING_ENV", "DJANGO_SETTINGS_MODULE",
         "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "CSRF_TRUSTED_ORIGINS"}


def secret_key(length: int = 60) -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def production_env(**overrides) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SCRUB}
    env.update(SAMSTYRING_ENV="production", SECRET_KEY=secret_key(), ALLOWED_HOSTS=HOST,
               DJANGO_SETTINGS_MODULE="config.settings")
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=BASE, env=env, capture_output=True,
                          text=True, timeout=120)


def manage(*args: str, **overrides) -> subprocess.CompletedProcess:
    return run(["manage.py", *args], production_env(**overrides))


def python(code: str, **overrides) -> subprocess.CompletedProcess:
    setup = "import django, json\ndjango.setup()\nfrom django.conf import settings\n"
    return run(["-c", setup + code], production_env(**overrides))


def test_check_deploy_passes_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_when_a_production_safeguard_is_switched_off():
    """The check above can fail: HSTS switched off by the environment is a warning."""
    result = manage("check", "--deploy", "--fail-level", "WARNING", SECURE_HSTS_SECONDS="0")
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout


@pytest.mark.parametrize(("overrides", "message"), [
    ({"DEBUG": "true"}, "DEBUG must be off"),
    ({"DEBUG": "1"}, "DEBUG must be off"),
    ({"SECRET_KEY": None}, "SECRET_KEY"),
    ({"SECRET_KEY": ""}, "SECRET_KEY"),
    ({"SECRET_KEY": "x" * 49}, "at least 50 characters"),
    ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS"),
    ({"SAMSTYRING_ENV": "prod"}, "SAMSTYRING_ENV must be"),
], ids=["debug-true", "debug-1", "no-key", "empty-key", "short-key", "no-hosts", "bad-mode"])
def test_production_refuses_unsafe_configuration(overrides, message):
    result = manage("check", **overrides)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_production_cookies_and_transport_security():
    result = python("print(json.dumps({name: getattr(settings, name) for name in ["
                    "'DEBUG', 'SESSION_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', "
                    "'SESSION_COOKIE_SAMESITE', 'SESSION_COOKIE_NAME', 'CSRF_COOKIE_SECURE', "
                    "'CSRF_COOKIE_SAMESITE', 'CSRF_COOKIE_NAME', 'SECURE_HSTS_SECONDS', "
                    "'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_AGE', 'PASSWORD_RESET_TIMEOUT']}))")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] and values["SESSION_COOKIE_HTTPONLY"]
    assert values["SESSION_COOKIE_SAMESITE"] in {"Lax", "Strict"}
    assert values["CSRF_COOKIE_SECURE"] and values["CSRF_COOKIE_SAMESITE"] in {"Lax", "Strict"}
    assert values["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert values["CSRF_COOKIE_NAME"].startswith("__Host-")
    assert values["SECURE_HSTS_SECONDS"] >= 31536000 and values["SECURE_SSL_REDIRECT"]
    assert values["SESSION_COOKIE_AGE"] < 14 * 24 * 3600  # shorter than Django's two weeks
    assert values["PASSWORD_RESET_TIMEOUT"] < 3 * 24 * 3600  # shorter than three days


RESPONSE_PROBE = """
from django.test import Client
client = Client(HTTP_HOST="samstyring.example", raise_request_exception=False)
response = client.get("/logg-inn/", secure=True)
not_found = client.get("/finnes-ikke/", secure=True)
plain = client.get("/finnes-ikke/")
print(json.dumps({
    "status": response.status_code,
    "cookies": {name: {"secure": bool(c["secure"]), "httponly": bool(c["httponly"]),
                       "samesite": c["samesite"]} for name, c in response.cookies.items()},
    "headers": dict(response.headers),
    "not_found": not_found.status_code, "not_found_body": not_found.content.decode(),
    "plain_redirect": [plain.status_code, plain.headers.get("Location")],
}))
"""


def test_production_responses_carry_secure_cookies_and_headers(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
           "STATIC_ROOT": str(tmp_path / "static")}
    collected = manage("collectstatic", "--noinput", **env)  # as a deployment does
    assert collected.returncode == 0, collected.stderr
    result = python(RESPONSE_PROBE, **env)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 200
    csrf = answer["cookies"]["__Host-csrftoken"]
    assert csrf["secure"] and csrf["samesite"] in {"Lax", "Strict"}
    headers = answer["headers"]
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert answer["not_found"] == 404
    assert "Traceback" not in answer["not_found_body"]
    assert "URLconf" not in answer["not_found_body"]
    assert answer["plain_redirect"] == [301, "https://samstyring.example/finnes-ikke/"]


def test_test_mode_is_used_under_pytest(settings):
    assert settings.MODE == "test"
    assert not settings.PRODUCTION
