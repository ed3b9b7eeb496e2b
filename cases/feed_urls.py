"""Public feeds of cases (Atom and iCalendar), mounted beside the case pages at ``saker/``."""

from django.urls import path

from core.cache import public_page

from . import feeds

app_name = "case_feeds"
urlpatterns = [
    path("feed/saker.atom", public_page(feeds.CaseFeed()), name="cases"),
    path("feed/innspill.atom", public_page(feeds.RoundFeed()), name="rounds"),
    path("feed/vedtak.atom", public_page(feeds.DecisionFeed()), name="decisions"),
    path("kalender.ics", public_page(feeds.calendar_feed), name="calendar"),
    path("organer/<slug:slug>/kalender.ics", public_page(feeds.body_calendar_feed),
         name="body_calendar"),
]
