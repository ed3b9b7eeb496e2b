from django.conf import settings


def test_pages_are_norwegian_first_even_for_an_english_browser(client, db):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.headers["Content-Language"] == "nb"
    assert '<html lang="nb"' in response.content.decode()


def test_a_chosen_language_is_kept(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/")
    assert response.headers["Content-Language"] == "en"


def test_api_clients_may_ask_for_english(client, db):
    response = client.get("/api/organisations?page=x", HTTP_ACCEPT_LANGUAGE="en")
    assert response.headers["Content-Language"] == "en"
