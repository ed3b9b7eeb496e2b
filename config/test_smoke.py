def test_home_page_answers(client, db):
    assert client.get("/").status_code == 200


def test_suite_runs_in_test_mode(settings):
    assert settings.MODE == "test"
