"""Background work of cases: receipts and notifications (django-tasks; never in a request).

Each e-mail is claimed by inserting ``NotificationSent`` (unique per user and event key) in the
transaction that sends it, so reruns and concurrent workers never send one twice; a failed send
rolls the claim back and a later run tries again. Input receipts are keyed on the version.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from .models import InputVersion


def case_url(case) -> str:
    return f"{settings.SITE_URL}{reverse('cases:case_detail', args=[case.pk])}"


@task()
def send_input_receipt(version_id: int) -> str:
    """E-mail the receipt of a submitted input to whoever submitted it (once per version)."""
    version = (InputVersion.objects.select_related("input__round__step__case",
                                                   "input__organisation")
               .filter(pk=version_id).first())
    if version is None or not version.receipt_email:
        return "nothing to send"
    subject, body = receipt_message(version)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [version.receipt_email])
    return "sent"


def receipt_message(version: InputVersion) -> tuple[str, str]:
    item = version.input
    case = item.round.step.case
    with translation.override(settings.LANGUAGE_CODE):
        values = {"organisation": item.organisation.name, "round": item.round.title,
                  "number": case.number, "title": case.title, "version": version.number,
                  "time": version.submitted_at.isoformat(timespec="seconds"),
                  "checksum": version.checksum, "url": case_url(case)}
        subject = _("Receipt: input from %(organisation)s to %(number)s") % values
        lines = [
            _("Samstyring has received the input of %(organisation)s to the round "
              "“%(round)s” in case %(number)s %(title)s.") % values,
            _("Version: %(version)s") % values,
            _("Received: %(time)s") % values,
            _("Checksum (SHA-256): %(checksum)s") % values,
        ]
        if version.late:
            lines.append(_("The input arrived after the deadline and is marked late."))
        lines.append(_("The case: %(url)s") % values)
    return subject, "\n\n".join(lines) + "\n"


@task()
def notify_resolution(resolution_id: int) -> str:
    """Tell the followers of the case, its owner, the step's body or its topics about a
    published position or decision. Filled in by cases.notifications."""
    from .notifications import resolution_notify

    return resolution_notify(resolution_id)


@task()
def send_notification(user_id: int, key: str) -> str:
    """Send one notification e-mail (cases.notifications.deliver): never twice per user."""
    from .notifications import deliver

    return deliver(user_id, key)


@task()
def compute_round_themes(round_id: int) -> str:
    """Group a closed round's inputs by theme, for the secretariat's synthesis."""
    from core.access import SYSTEM

    from . import services
    from .models import InputRound

    round_ = InputRound.objects.filter(pk=round_id).first()
    if round_ is None:
        return "gone"
    services.round_themes_compute(actor=SYSTEM, round_=round_)
    return "computed"
