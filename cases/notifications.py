"""Who hears about what, and the e-mails they get. Sent by the task worker, never a request.

Events and who is told:
- a round opens (``round-open:<round>``): the organisation contacts of every invited
  organisation, and those following the case, its owning body, the step's body, one of its
  topics or the county of an invited organisation;
- a round closes in ``REMINDER_DAYS`` days (``round-reminder:<round>``): the contacts of invited
  organisations that have not submitted;
- a position or decision is published (``decision:<resolution>``): those following the case,
  its owning body, the step's body or one of its topics.
``samstyring send-case-notifications`` (run every quarter of an hour) finds due round events and
queues one task per recipient; a recorded resolution queues its own after commit. Each e-mail
is claimed by a ``NotificationSent`` row (unique per user and key) in the transaction that sends
it, so nobody gets the same e-mail twice. E-mails carry metadata and a link, never the content
of a case (which may be exempt): the reader follows the link and the page decides.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Role, RoleGrant, User

from .models import CaseStatus, Follow, InputRound, NotificationSent, Resolution

REMINDER_DAYS = 3


def _contacts_of(organisation_ids) -> set[int]:
    return set(RoleGrant.objects.current().filter(role=Role.ORG_CONTACT,
                                                  organisation_id__in=organisation_ids)
               .values_list("user_id", flat=True))


def _followers(*, case, bodies=(), counties=()) -> set[int]:
    query = (Q(case=case) | Q(body_id__in=[case.owner_id, *bodies])
             | Q(topic__in=case.topics.all()) | Q(county_id__in=list(counties)))
    return set(Follow.objects.filter(query).values_list("user_id", flat=True))


def round_open_recipients(round_: InputRound) -> set[int]:
    invited = list(round_.invitations.values_list("organisation_id", flat=True))
    counties = set(round_.invitations.exclude(organisation__county=None)
                   .values_list("organisation__county_id", flat=True))
    return _contacts_of(invited) | _followers(case=round_.step.case, bodies=[round_.step.body_id],
                                              counties=counties)


def round_reminder_recipients(round_: InputRound) -> set[int]:
    answered = round_.inputs.exclude(current=None).values_list("organisation_id", flat=True)
    waiting = round_.invitations.exclude(organisation_id__in=answered)
    return _contacts_of(waiting.values_list("organisation_id", flat=True))


def resolution_recipients(resolution: Resolution) -> set[int]:
    return _followers(case=resolution.step.case, bodies=[resolution.step.body_id])


# --- the periodic run --------------------------------------------------------------------------

@dataclass
class NotificationRun:
    queued: list = field(default_factory=list)  # (user id, key)
    themes: list = field(default_factory=list)  # rounds whose themes are queued


def _live_rounds(now):
    return (InputRound.objects.exclude(step__case__status__in=[CaseStatus.DRAFT,
                                                                CaseStatus.WITHDRAWN])
            .select_related("step__case", "step__body"))


def notifications_enqueue(*, now: datetime.datetime | None = None,
                          dry_run: bool = False) -> NotificationRun:
    """Queue every due round e-mail not yet sent, and theme grouping of newly closed rounds."""
    from .tasks import compute_round_themes, send_notification

    now = now or timezone.now()
    run = NotificationRun()
    rounds = _live_rounds(now)
    due = [("round-open", r, round_open_recipients)
           for r in rounds.filter(opens_at__lte=now, closes_at__gt=now)]
    due += [("round-reminder", r, round_reminder_recipients)
            for r in rounds.filter(closes_at__gt=now,
                                   closes_at__lte=now + datetime.timedelta(days=REMINDER_DAYS))]
    for kind, round_, recipients in due:
        key = f"{kind}:{round_.pk}"
        sent = set(NotificationSent.objects.filter(key=key).values_list("user_id", flat=True))
        for user_id in sorted(recipients(round_) - sent):
            run.queued.append((user_id, key))
            if not dry_run:
                send_notification.enqueue(user_id, key)
    for round_ in rounds.filter(closes_at__lte=now, themes_computed_at=None):
        run.themes.append(round_.pk)
        if not dry_run:
            compute_round_themes.enqueue(round_.pk)
    return run


def resolution_notify(resolution_id: int) -> str:
    """Queue the e-mails about a published position or decision."""
    from .tasks import send_notification

    resolution = (Resolution.objects.select_related("step__case").filter(pk=resolution_id)
                  .first())
    if resolution is None or resolution.step.case.status == CaseStatus.DRAFT:
        return "nothing to send"
    key = f"decision:{resolution.pk}"
    for user_id in sorted(resolution_recipients(resolution)):
        send_notification.enqueue(user_id, key)
    return "queued"


# --- one e-mail ----------------------------------------------------------------------------------

def deliver(user_id: int, key: str) -> str:
    """Send the e-mail ``key`` to one user, once. Returns what happened."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return "no e-mail"
    message = compose(key)
    if message is None:
        return "gone"
    with transaction.atomic():
        try:
            with transaction.atomic():
                NotificationSent.objects.create(user=user, key=key)
        except IntegrityError:
            return "already sent"
        send_mail(message[0], message[1], settings.DEFAULT_FROM_EMAIL, [user.email])
    return "sent"


def _url(name: str, pk: int) -> str:
    return f"{settings.SITE_URL}{reverse(name, args=[pk])}"


def _when(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%d.%m.%Y %H:%M")


def compose(key: str) -> tuple[str, str] | None:
    """Subject and body of the e-mail ``key``, in bokmål; None if its object is gone."""
    kind, _sep, pk = key.partition(":")
    with translation.override(settings.LANGUAGE_CODE):
        if kind in ("round-open", "round-reminder"):
            round_ = InputRound.objects.select_related("step__case", "step__body").filter(
                pk=pk).first()
            return None if round_ is None else _round_message(kind, round_)
        if kind == "decision":
            resolution = Resolution.objects.select_related("step__case", "step__body").filter(
                pk=pk).first()
            return None if resolution is None else _decision_message(resolution)
    return None


def _round_message(kind: str, round_: InputRound) -> tuple[str, str]:
    case = round_.step.case
    values = {"number": case.number, "title": case.title, "round": round_.title,
              "closes": _when(round_.closes_at), "body": round_.step.body.name,
              "url": _url("cases:round_detail", round_.pk)}
    if kind == "round-open":
        subject = _("Input round open: %(number)s %(title)s") % values
        lead = _("An input round is open in case %(number)s %(title)s (%(body)s): "
                 "“%(round)s”. It closes %(closes)s.") % values
    else:
        subject = _("Reminder: input to %(number)s closes %(closes)s") % values
        lead = _("The input round “%(round)s” in case %(number)s %(title)s closes "
                 "%(closes)s, and your organisation has not submitted input yet.") % values
    return subject, "\n\n".join([lead, _("Read and answer here: %(url)s") % values,
                                 _footer()]) + "\n"


def _decision_message(resolution: Resolution) -> tuple[str, str]:
    case = resolution.step.case
    values = {"number": case.number, "title": case.title, "body": resolution.step.body.name,
              "kind": resolution.get_kind_display(), "url": _url("cases:case_detail", case.pk)}
    subject = _("New %(kind)s in %(number)s %(title)s") % values
    lead = _("%(body)s has recorded a %(kind)s in case %(number)s %(title)s.") % values
    return subject, "\n\n".join([lead, _("Read it here: %(url)s") % values, _footer()]) + "\n"


def _footer() -> str:
    return _("You get this e-mail from Samstyring because you follow the case, its body, "
             "county or topic, or act for an invited organisation. Change what you follow on "
             "your page.")
