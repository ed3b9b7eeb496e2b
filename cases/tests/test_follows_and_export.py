"""Following bodies, counties and topics from their pages, and the CSV export of cases."""

import csv
import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from cases import services
from cases.models import CaseStatus, Follow
from core.testing import count_queries

from .conftest import make_case


@pytest.fixture
def client_en(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_follow_and_unfollow_a_body_from_its_page(client_en, contact_a, body_x):
    client_en.force_login(contact_a)
    page = client_en.get(reverse("structure:body_detail", args=[body_x.slug])).content.decode()
    assert f"Follow {body_x.name}" in page
    action = reverse("cases_edit:follow_body", args=[body_x.pk])
    back = reverse("structure:body_detail", args=[body_x.slug])
    response = client_en.post(action, {"action": "follow", "next": back})
    assert response.status_code == 302 and response["Location"] == back
    assert Follow.objects.filter(user=contact_a, body=body_x).exists()
    listed = client_en.get(reverse("cases:follows")).content.decode()
    assert body_x.name in listed and "Stop following" in listed
    client_en.post(action, {"action": "unfollow", "next": "https://evil.example/"})
    assert not Follow.objects.filter(user=contact_a).exists()


def test_follow_a_county_and_a_topic(client_en, contact_a, org_a, admin_user, body_x):
    case = make_case(admin_user, body_x, status=CaseStatus.ANNOUNCED)
    services.case_update(actor=admin_user, case=case, data={}, topics=["arkiv"])
    topic = case.topics.get()
    client_en.force_login(contact_a)
    client_en.post(reverse("cases_edit:follow_county", args=[org_a.county.pk]),
                   {"action": "follow"})
    page = client_en.get(reverse("cases:case_list"), {"topic": topic.slug}).content.decode()
    assert "Follow arkiv" in page
    client_en.post(reverse("cases_edit:follow_topic", args=[topic.pk]), {"action": "follow"})
    assert {str(f.target) for f in Follow.objects.filter(user=contact_a)} == {
        str(org_a.county), "arkiv"}


def test_anonymous_visitors_see_no_follow_button_and_cannot_follow(client_en, body_x):
    page = client_en.get(reverse("structure:body_detail", args=[body_x.slug])).content.decode()
    assert "Follow " not in page
    response = client_en.post(reverse("cases_edit:follow_body", args=[body_x.pk]),
                              {"action": "follow"})
    assert response.status_code == 302 and "/logg-inn/" in response["Location"]
    assert not Follow.objects.exists()


def _rows(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode() if response.streaming \
        else response.content.decode()
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_export_lists_cases_and_exempt_summaries_only_to_readers(client, admin_user, body_x,
                                                                 secretary_x):
    make_case(admin_user, body_x, title="Åpen", summary="=1+1", status=CaseStatus.ANNOUNCED)
    make_case(admin_user, body_x, title="Unntatt", summary="hemmelig", exempt=True,
              status=CaseStatus.ANNOUNCED)
    make_case(admin_user, body_x, title="Utkast")
    response = client.get(reverse("cases:case_export"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = {row["title"]: row for row in _rows(response)}
    assert set(rows) == {"Åpen", "Unntatt"}
    assert rows["Åpen"]["summary"] == "'=1+1"  # a formula stays text in a spreadsheet
    assert rows["Unntatt"]["summary"] == "" and rows["Unntatt"]["exemption_basis"] == "offl-14"
    client.force_login(secretary_x)
    rows = {row["title"]: row for row in _rows(client.get(reverse("cases:case_export")))}
    assert rows["Unntatt"]["summary"] == "hemmelig" and "Utkast" in rows


def test_export_filters_like_the_list_and_refuses_a_bad_filter(client, admin_user, body_x,
                                                               body_y):
    make_case(admin_user, body_x, title="X", status=CaseStatus.ANNOUNCED)
    make_case(admin_user, body_y, title="Y", status=CaseStatus.ANNOUNCED)
    rows = _rows(client.get(reverse("cases:case_export"), {"body": body_y.slug}))
    assert [row["title"] for row in rows] == ["Y"]
    assert client.get(reverse("cases:case_export"), {"status": "nonsense"}).status_code == 400


def test_export_queries_do_not_grow_with_rows(client, admin_user, body_x):
    def export():
        client.get(reverse("cases:case_export"))

    for i in range(3):
        make_case(admin_user, body_x, title=f"Sak {i}", status=CaseStatus.ANNOUNCED)
    few = count_queries(export)
    for i in range(27):
        make_case(admin_user, body_x, title=f"Flere {i}", status=CaseStatus.ANNOUNCED)
    assert count_queries(export) == few


def test_export_is_what_anonymous_may_read(admin_user, body_x):
    from cases.exports import case_row

    case = make_case(admin_user, body_x, exempt=True, status=CaseStatus.ANNOUNCED)
    assert case_row(AnonymousUser(), case)[-1] == ""


def test_follows_page_queries_do_not_grow_with_rows(client, contact_a, admin_user, body_x):
    client.force_login(contact_a)

    def page():
        assert client.get(reverse("cases:follows")).status_code == 200

    def follow_cases(n):
        for i in range(n):
            case = make_case(admin_user, body_x, title=f"Fulgt {i}", status=CaseStatus.ANNOUNCED)
            services.follow(actor=contact_a, target=case)

    follow_cases(3)
    page()  # the first request after login also writes the session
    few = count_queries(page)
    follow_cases(27)
    assert count_queries(page) == few
