"""Public feeds of cases: Atom (new cases, open input rounds, positions and decisions) and
iCalendar (meetings, planned steps and input deadlines; all, or one body's).

A feed is the same for every reader, so it shows only what anonymous may see (the selectors
decide, for ``AnonymousUser``): no drafts; an exempt case by number, title and legal basis, never
its summary or a position's text. Texts go into Atom as escaped HTML, so markup in a summary is
shown, not run, by feed readers. Each feed is bounded (50 entries; a calendar from a month back to a
year ahead, at most ``CALENDAR_LIMIT`` events of each kind) and runs a fixed number of queries.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape, linebreaks
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from structure.models import Body

from . import selectors
from .models import Case, CaseStatus, ExemptionBasis, Meeting

FEED_LENGTH = 50
CALENDAR_DAYS_BACK = 30
CALENDAR_DAYS_AHEAD = 365
CALENDAR_LIMIT = 150  # of each kind, nearest first, in a body's calendar
# The sector's calendar has every body's meetings and deadlines but not the planned steps
# (they are in each body's calendar and on "Kommende saker"), and fewer of them: serialising an
# event costs about half a millisecond, and a calendar is rebuilt on every change.
OVERALL_LIMIT = 40
UID_DOMAIN = "samstyring"
PUBLIC = AnonymousUser()


def _case_url(case: Case) -> str:
    return reverse("cases:case_detail", kwargs={"case_pk": case.pk})


def _exempt_note(obj) -> str:
    return _("Exempt from public access: %(basis)s") % {
        "basis": ExemptionBasis(obj.exemption_basis).label}


def _html(text: str) -> str:
    """Plain text as the escaped HTML an Atom summary of type "html" holds."""
    return linebreaks(escape(text))


class CaseFeed(Feed):
    """New cases: announced (never drafts), newest announcement first."""

    feed_type = Atom1Feed

    def title(self):
        return _("New cases")

    def subtitle(self):
        return _("Cases announced for anchoring in the municipal sector")

    def link(self):
        return reverse("cases:case_list")

    def items(self):
        return (selectors.cases_visible(PUBLIC).exclude(status=CaseStatus.DRAFT)
                .filter(announced_at__isnull=False).select_related("owner")
                .prefetch_related("topics").order_by("-announced_at", "-pk")[:FEED_LENGTH])

    def item_title(self, case):
        return f"{case.number} {case.title}"

    def item_description(self, case):
        if not selectors.can_read_content(PUBLIC, case):
            return _html(_exempt_note(case))
        return _html(case.summary)

    def item_link(self, case):
        return _case_url(case)

    def item_pubdate(self, case):
        return case.announced_at

    def item_author_name(self, case):
        return case.owner.name

    def item_categories(self, case):
        return [topic.name for topic in case.topics.all()]


class RoundFeed(Feed):
    """Input rounds open now, the nearest deadline first."""

    feed_type = Atom1Feed

    def title(self):
        return _("Open input rounds")

    def subtitle(self):
        return _("Calls for input from the municipal sector that are open now")

    def link(self):
        return reverse("cases:case_list")

    def items(self):
        return selectors.rounds_open(PUBLIC)[:FEED_LENGTH]

    def item_title(self, round_):
        return f"{round_.step.case.number} {round_.title}"

    def item_description(self, round_):
        deadline = _("Open until %(time)s.") % {
            "time": timezone.localtime(round_.closes_at).strftime("%Y-%m-%d %H:%M")}
        if not selectors.round_text_visible(PUBLIC, round_):
            exempted = round_ if round_.exempt else round_.step.case
            return _html(f"{deadline}\n\n{_exempt_note(exempted)}")
        return _html(f"{deadline}\n\n{round_.description}".strip())

    def item_link(self, round_):
        return reverse("cases:round_detail", kwargs={"inputround_pk": round_.pk})

    def item_pubdate(self, round_):
        return round_.opens_at

    def item_author_name(self, round_):
        return round_.step.case.owner.name


class DecisionFeed(Feed):
    """Positions and decisions, newest first; an exempt case's text is left out."""

    feed_type = Atom1Feed

    def title(self):
        return _("Positions and decisions")

    def subtitle(self):
        return _("Positions and decisions recorded on cases of the municipal sector")

    def link(self):
        return reverse("cases:case_list")

    def items(self):
        return selectors.decisions_recent(PUBLIC)[:FEED_LENGTH]

    def item_title(self, resolution):
        case = resolution.step.case
        return f"{resolution.get_kind_display().capitalize()}: {case.number} {case.title}"

    def item_description(self, resolution):
        case = resolution.step.case
        if not selectors.can_read_content(PUBLIC, case):
            return _html(_exempt_note(case))
        return _html(resolution.text)

    def item_link(self, resolution):
        return _case_url(resolution.step.case)

    def item_guid(self, resolution):
        return f"resolution-{resolution.pk}@{UID_DOMAIN}"

    def item_guid_is_permalink(self, resolution):
        return False

    def item_pubdate(self, resolution):
        return resolution.published_at

    def item_author_name(self, resolution):
        return resolution.step.body.name


# --- iCalendar --------------------------------------------------------------------------------


def _event(uid: str, summary: str, url: str, stamp: datetime.datetime) -> Event:
    event = Event()
    event.add("uid", f"{uid}@{UID_DOMAIN}")
    event.add("dtstamp", stamp)
    event.add("summary", summary)
    event.add("url", url)
    return event


def _all_day(event: Event, day: datetime.date) -> Event:
    event.add("dtstart", day)
    event.add("dtend", day + datetime.timedelta(days=1))
    event.add("transp", "TRANSPARENT")
    return event


def calendar_of(request, *, body: Body | None = None) -> Calendar:
    """Meetings, input deadlines and (in a body's calendar) planned steps, from a month back to
    a year ahead."""
    today = timezone.localdate()
    found = selectors.calendar(since=today - datetime.timedelta(days=CALENDAR_DAYS_BACK),
                               until=today + datetime.timedelta(days=CALENDAR_DAYS_AHEAD),
                               body=body, limit=CALENDAR_LIMIT if body else OVERALL_LIMIT)
    if body is None:
        found["steps"] = []
    stamp = timezone.now().astimezone(datetime.UTC).replace(microsecond=0)
    url = request.build_absolute_uri
    name = _("Samstyring: %(body)s") % {"body": body.name} if body else _("Samstyring calendar")
    calendar = Calendar()
    calendar.add("prodid", "-//KS//Samstyring//NB")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    for meeting in found["meetings"]:
        event = _event(f"meeting-{meeting.pk}", f"{meeting.title} ({meeting.body.name})",
                       url(reverse("cases:meeting_detail", kwargs={"meeting_pk": meeting.pk})),
                       stamp)
        event.add("dtstart", meeting.starts_at.astimezone(datetime.UTC))
        event.add("dtend", meeting.ends_at.astimezone(datetime.UTC))
        if meeting.place:
            event.add("location", meeting.place)
        event.add("status", "CANCELLED" if meeting.status == Meeting.Status.CANCELLED
                  else "CONFIRMED")
        calendar.add_component(event)
    for step in found["steps"]:
        summary = _("%(number)s %(title)s: %(purpose)s in %(body)s") % {
            "number": step.case.number, "title": step.case.title,
            "purpose": step.get_purpose_display(), "body": step.body.name}
        calendar.add_component(_all_day(_event(f"step-{step.pk}", summary,
                                               url(_case_url(step.case)), stamp),
                                        step.planned_date))
    for round_ in found["rounds"]:
        summary = _("Input deadline: %(number)s %(title)s") % {
            "number": round_.step.case.number, "title": round_.title}
        calendar.add_component(_all_day(
            _event(f"round-{round_.pk}", summary,
                   url(reverse("cases:round_detail", kwargs={"inputround_pk": round_.pk})),
                   stamp),
            timezone.localtime(round_.closes_at).date()))
    return calendar


def _ics(calendar: Calendar, filename: str) -> HttpResponse:
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def calendar_feed(request):
    return _ics(calendar_of(request), "samstyring.ics")


def body_calendar_feed(request, slug: str):
    body = get_object_or_404(Body, slug=slug)
    return _ics(calendar_of(request, body=body), f"{body.slug}.ics")
