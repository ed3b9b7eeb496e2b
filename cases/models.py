"""Cases (saker) and their anchoring: paths, documents, input rounds, meetings, positions.

A case moves openly along an anchoring path of steps, each in a body of the model. Openness is
the rule: a case, a document or an input round is public unless exempted with a legal basis in
offentleglova; an exempted object still shows its metadata (number, title, type, owner, dates,
steps) and the basis to everyone, and its content only to those ``cases.selectors`` allow.

Business rules live in ``cases.services``; this module holds fields, constraints and cheap
properties only.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from core.models import PlainTextModel
from register.models import County, Network, Organisation
from structure.models import Body

from .storage import private_storage


class ExemptionBasis(models.TextChoices):
    """The sections of offentleglova a case, document or input round may be exempted under."""

    S13 = "offl-13", _("offentleglova § 13 (duty of confidentiality)")
    S14 = "offl-14", _("offentleglova § 14 (internal document)")
    S15 = "offl-15", _("offentleglova § 15 (obtained for internal preparation)")
    S20 = "offl-20", _("offentleglova § 20 (Norway's foreign interests)")
    S21 = "offl-21", _("offentleglova § 21 (national defence and security)")
    S23 = "offl-23", _("offentleglova § 23 (negotiating position)")
    S24 = "offl-24", _("offentleglova § 24 (control and regulation measures, security)")
    S26 = "offl-26", _("offentleglova § 26 (examinations, appointments and awards)")


class Exemptible(PlainTextModel):
    """Public unless ``exempt``; an exemption names its legal basis (a database constraint)."""

    exempt = models.BooleanField(_("exempt from public access"), default=False)
    exemption_basis = models.CharField(_("legal basis for exemption"), max_length=10,
                                       choices=ExemptionBasis.choices, blank=True)

    class Meta:
        abstract = True


def exemption_constraint(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(exempt=False, exemption_basis="") | (Q(exempt=True) & ~Q(exemption_basis="")),
        name=name, violation_error_message=_("An exemption needs its legal basis, and only an "
                                             "exemption has one."))


class Topic(PlainTextModel):
    """A subject users can follow (e.g. "e-helse", "arkiv"); cases carry several."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self):
        return self.name


class CaseType(models.TextChoices):
    POSITION = "position", _("sector position")
    CONSULTATION = "consultation", _("response to a public consultation")
    STRATEGY = "strategy", _("strategy or plan")
    FUNDING = "funding", _("funding")
    SOLUTION = "solution", _("common solution")
    OTHER = "other", _("other")


class CaseStatus(models.TextChoices):
    """draft → announced → in_progress → decided → closed; announced/in progress → withdrawn.

    A draft is seen only by those who manage the case; from announcement on, the case is public
    (its content unless exempted). ``cases.services.TRANSITIONS`` holds the valid moves.
    """

    DRAFT = "draft", _("draft")
    ANNOUNCED = "announced", _("announced")
    IN_PROGRESS = "in_progress", _("in progress")
    DECIDED = "decided", _("decided")
    CLOSED = "closed", _("closed")
    WITHDRAWN = "withdrawn", _("withdrawn")


class CaseSequence(models.Model):
    """The last case number used in a year. Locked while a case is created, so numbers are
    unique and gap-free: a rolled-back creation rolls its number back too."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"


class CaseQuerySet(models.QuerySet):
    def published(self):
        return self.exclude(status=CaseStatus.DRAFT)


class Case(Exemptible):
    """A matter to be anchored across the sector. Numbered year/sequence (26/00042).

    The title is metadata: it is public even when the case is exempted, so it must be written
    to be publishable (as in a public journal). Summary, documents, inputs and position texts
    are content.
    """

    year = models.PositiveSmallIntegerField(_("year"), editable=False)
    sequence = models.PositiveIntegerField(_("sequence number"), editable=False)
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), blank=True)
    case_type = models.CharField(_("case type"), max_length=16, choices=CaseType.choices)
    owner = models.ForeignKey(Body, verbose_name=_("owning body"), on_delete=models.PROTECT,
                              related_name="cases")
    status = models.CharField(_("status"), max_length=12, choices=CaseStatus.choices,
                              default=CaseStatus.DRAFT)
    related = models.ManyToManyField("self", verbose_name=_("related cases"), blank=True,
                                     symmetrical=True)
    topics = models.ManyToManyField(Topic, verbose_name=_("topics"), blank=True,
                                    related_name="cases")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    announced_at = models.DateTimeField(_("announced"), null=True, blank=True, editable=False)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True, editable=False)
    notice_days = models.PositiveIntegerField(  # announced → decided, for the dashboard
        _("days from announcement to decision"), null=True, blank=True, editable=False)
    source_report = models.ForeignKey(
        "representation.Report", verbose_name=_("raised by report back"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="cases")

    objects = CaseQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[topics])

    class Meta:
        ordering = ["-year", "-sequence"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="case_number_unique"),
            exemption_constraint("case_exemption_basis"),
        ]
        indexes = [models.Index(fields=["status", "-announced_at"])]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def number(self) -> str:
        return f"{self.year % 100:02d}/{self.sequence:05d}"


class StepPurpose(models.TextChoices):
    INPUT = "input", _("input")
    PREPARATION = "preparation", _("preparation")
    POSITION = "position", _("position")
    DECISION = "decision", _("decision")
    INFORMATION = "information", _("information")


class StepStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    ONGOING = "ongoing", _("ongoing")
    DONE = "done", _("done")
    SKIPPED = "skipped", _("skipped")


class AnchoringStep(PlainTextModel):
    """One step of a case's anchoring path, in order: a body, its purpose, a planned date."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("order"))
    body = models.ForeignKey(Body, verbose_name=_("body"), on_delete=models.PROTECT,
                             related_name="anchoring_steps")
    purpose = models.CharField(_("purpose"), max_length=12, choices=StepPurpose.choices)
    description = models.CharField(_("description"), max_length=300, blank=True)
    planned_date = models.DateField(_("planned date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=StepStatus.choices,
                              default=StepStatus.PLANNED)
    completed_on = models.DateField(_("completed"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["case", "order"]
        verbose_name = _("anchoring step")
        verbose_name_plural = _("anchoring steps")
        constraints = [models.UniqueConstraint(fields=["case", "order"],
                                               name="step_order_unique")]
        indexes = [models.Index(fields=["planned_date"])]

    def __str__(self):
        return f"{self.order}. {self.body} ({self.get_purpose_display()})"

    @property
    def is_deciding(self) -> bool:
        return self.purpose in (StepPurpose.POSITION, StepPurpose.DECISION)


class CaseDocument(Exemptible):
    """A file of a case, stored outside the web root and served through a checking view."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=300)
    file = models.FileField(_("file"), storage=private_storage, upload_to="cases/%Y/")
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["case", "uploaded_at", "pk"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [exemption_constraint("document_exemption_basis")]

    def __str__(self):
        return self.title


class InputRound(Exemptible):
    """A call for input on a step: questions, audience, an open period.

    The audience is every member (``all_members``) or the members in the chosen counties,
    networks and bodies. Inputs become public when the round closes, unless it is exempted.
    """

    step = models.ForeignKey(AnchoringStep, on_delete=models.CASCADE, related_name="rounds")
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    all_members = models.BooleanField(_("all members"), default=True)
    counties = models.ManyToManyField(County, verbose_name=_("counties"), blank=True)
    networks = models.ManyToManyField(Network, verbose_name=_("regional networks"), blank=True)
    bodies = models.ManyToManyField(Body, verbose_name=_("bodies"), blank=True,
                                    related_name="+")
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    allow_late = models.BooleanField(_("accept late input"), default=False)
    themes = models.JSONField(_("themes"), default=list, blank=True, editable=False)
    themes_computed_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords(m2m_fields=[counties, networks, bodies])

    class Meta:
        ordering = ["-closes_at", "pk"]
        verbose_name = _("input round")
        verbose_name_plural = _("input rounds")
        constraints = [
            exemption_constraint("round_exemption_basis"),
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")),
                                   name="round_closes_after_opening",
                                   violation_error_message=_("A round closes after it opens.")),
        ]
        indexes = [models.Index(fields=["opens_at"]), models.Index(fields=["closes_at"])]

    def __str__(self):
        return self.title


class Invitation(models.Model):
    """An organisation invited to a round: the audience as it was when the round was set up
    (kept, so later changes to networks or counties do not rewrite who was asked)."""

    round = models.ForeignKey(InputRound, on_delete=models.CASCADE, related_name="invitations")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "organisation"],
                                               name="invitation_unique")]

    def __str__(self):
        return f"{self.organisation_id} → {self.round_id}"


class RoundResponse(models.Model):
    """How many organisations of one county and kind a round invited and how many answered.

    Kept by the services whenever a round's audience or its inputs change
    (``cases.services.round_response_refresh``), so the anchoring trail and the sector
    dashboard add up a few rows per round instead of every invitation.
    """

    round = models.ForeignKey(InputRound, on_delete=models.CASCADE, related_name="responses")
    county = models.ForeignKey(County, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    organisation_kind = models.CharField(max_length=32)
    year = models.PositiveSmallIntegerField()  # the year the round closes (local time)
    closes_at = models.DateTimeField()  # the round's, copied so the dashboard needs no join
    public = models.BooleanField()  # the case is announced and not exempted
    invited = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "county", "organisation_kind"],
                                               name="round_response_unique")]
        # covers the dashboard's sum: no table lookups for the rows it adds up
        indexes = [models.Index(fields=["public", "year", "closes_at", "county", "invited",
                                        "answered"], name="round_response_dashboard")]

    def __str__(self):
        return f"{self.round_id} {self.county_id} {self.organisation_kind}: " \
               f"{self.answered}/{self.invited}"


class Question(PlainTextModel):
    """One question of an input round, in order."""

    round = models.ForeignKey(InputRound, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(_("order"))
    text = models.TextField(_("question"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["round", "order"]
        constraints = [models.UniqueConstraint(fields=["round", "order"],
                                               name="question_order_unique")]

    def __str__(self):
        return self.text[:80]


class Input(models.Model):
    """One organisation's input to a round: its working draft and its submitted versions.

    One row per organisation and round (a constraint). ``current`` is the latest submitted
    version; earlier versions are kept, never changed.
    """

    round = models.ForeignKey(InputRound, on_delete=models.CASCADE, related_name="inputs")
    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"),
                                     on_delete=models.PROTECT, related_name="case_inputs")
    draft = models.JSONField(_("draft answers"), default=dict, blank=True)
    draft_saved_at = models.DateTimeField(_("draft saved"), null=True, blank=True)
    current = models.OneToOneField("InputVersion", on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+")

    history = HistoricalRecords(excluded_fields=["draft"])

    class Meta:
        ordering = ["round", "organisation__name"]
        verbose_name = _("input")
        verbose_name_plural = _("inputs")
        constraints = [models.UniqueConstraint(fields=["round", "organisation"],
                                               name="input_one_per_organisation")]

    def __str__(self):
        return f"{self.organisation} – {self.round}"


class InputVersion(models.Model):
    """A submitted version of an input: the receipt (time, checksum) is this row. Immutable.

    ``idempotency_key`` is unique per input: a retried or double-clicked submission finds the
    version its first attempt made instead of adding one.
    """

    input = models.ForeignKey(Input, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    answers = models.JSONField(_("answers"))
    submitted_at = models.DateTimeField(_("submitted"))
    submitted_by = models.ForeignKey("accounts.User", verbose_name=_("submitted by"),
                                     on_delete=models.SET_NULL, null=True, related_name="+")
    checksum = models.CharField(_("checksum (SHA-256)"), max_length=64)
    late = models.BooleanField(_("late"), default=False)
    idempotency_key = models.CharField(max_length=64)
    receipt_email = models.EmailField(_("receipt sent to"), blank=True)

    class Meta:
        ordering = ["input", "number"]
        verbose_name = _("submitted input")
        verbose_name_plural = _("submitted inputs")
        constraints = [
            models.UniqueConstraint(fields=["input", "number"], name="input_version_unique"),
            models.UniqueConstraint(fields=["input", "idempotency_key"],
                                    name="input_version_idempotent"),
        ]

    def __str__(self):
        return f"{self.input} v{self.number}"


class Meeting(PlainTextModel):
    """A meeting of a body: when, where, the agenda (items pointing to cases) and minutes."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        HELD = "held", _("held")
        CANCELLED = "cancelled", _("cancelled")

    body = models.ForeignKey(Body, verbose_name=_("body"), on_delete=models.PROTECT,
                             related_name="meetings")
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    video_url = models.URLField(_("video link"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PLANNED)
    minutes_approved = models.BooleanField(_("minutes approved"), default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_at", "pk"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [models.CheckConstraint(
            condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start",
            violation_error_message=_("A meeting ends after it starts."))]
        indexes = [models.Index(fields=["starts_at"])]

    def __str__(self):
        return self.title


class AgendaItem(PlainTextModel):
    """An item on a meeting's agenda, usually a case; its minutes record what was concluded."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField(_("item number"))
    title = models.CharField(_("title"), max_length=300)
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, null=True,
                             blank=True, related_name="agenda_items")
    papers = models.ManyToManyField(CaseDocument, verbose_name=_("papers"), blank=True,
                                    related_name="agenda_items")
    minutes = models.TextField(_("minutes"), blank=True)

    history = HistoricalRecords(m2m_fields=[papers])

    class Meta:
        ordering = ["meeting", "order"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        constraints = [models.UniqueConstraint(fields=["meeting", "order"],
                                               name="agenda_item_order_unique")]

    def __str__(self):
        return f"{self.order}. {self.title}"


class Resolution(PlainTextModel):
    """A position or decision recorded on a step, with the inputs it considered.

    Recorded before the case's input rounds have closed only with ``override_reason``.
    """

    class Kind(models.TextChoices):
        POSITION = "position", pgettext_lazy("resolution", "position")
        DECISION = "decision", pgettext_lazy("resolution", "decision")

    step = models.ForeignKey(AnchoringStep, on_delete=models.PROTECT, related_name="resolutions")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    text = models.TextField(_("text"))
    decided_on = models.DateField(_("date"))
    agenda_item = models.ForeignKey(AgendaItem, verbose_name=_("agenda item"), null=True,
                                    blank=True, on_delete=models.SET_NULL,
                                    related_name="resolutions")
    considered = models.ManyToManyField(Input, verbose_name=_("inputs considered"), blank=True,
                                        related_name="considered_by")
    override_reason = models.CharField(_("reason for deciding before input closed"),
                                       max_length=500, blank=True)
    published_at = models.DateTimeField(_("published"), auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[considered])

    class Meta:
        ordering = ["step", "decided_on", "pk"]
        verbose_name = _("position or decision")
        verbose_name_plural = _("positions and decisions")
        indexes = [models.Index(fields=["-published_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.decided_on}"


class SynthesisPoint(PlainTextModel):
    """A point of the secretariat's synthesis of a round, citing the inputs behind it."""

    round = models.ForeignKey(InputRound, on_delete=models.CASCADE, related_name="synthesis")
    order = models.PositiveSmallIntegerField(_("order"))
    text = models.TextField(_("point"))
    cited = models.ManyToManyField(Input, verbose_name=_("inputs behind it"),
                                   related_name="cited_by")

    history = HistoricalRecords(m2m_fields=[cited])

    class Meta:
        ordering = ["round", "order"]
        verbose_name = _("synthesis point")
        verbose_name_plural = _("synthesis points")
        constraints = [models.UniqueConstraint(fields=["round", "order"],
                                               name="synthesis_order_unique")]

    def __str__(self):
        return self.text[:80]


class Follow(models.Model):
    """A user follows exactly one of: a body, a case, a county or a topic."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="follows")
    body = models.ForeignKey(Body, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="follows")
    county = models.ForeignKey(County, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="+")
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    TARGETS = ("body", "case", "county", "topic")

    class Meta:
        verbose_name = _("follow")
        constraints = [
            models.CheckConstraint(
                condition=(Q(body__isnull=False, case=None, county=None, topic=None)
                           | Q(body=None, case__isnull=False, county=None, topic=None)
                           | Q(body=None, case=None, county__isnull=False, topic=None)
                           | Q(body=None, case=None, county=None, topic__isnull=False)),
                name="follow_exactly_one_target"),
            models.UniqueConstraint(fields=["user", "body"], name="follow_body_once"),
            models.UniqueConstraint(fields=["user", "case"], name="follow_case_once"),
            models.UniqueConstraint(fields=["user", "county"], name="follow_county_once"),
            models.UniqueConstraint(fields=["user", "topic"], name="follow_topic_once"),
        ]

    def __str__(self):
        return f"{self.user_id} → {self.target}"

    @property
    def target(self):
        return next(getattr(self, name) for name in self.TARGETS if getattr(self, f"{name}_id"))


class NotificationSent(models.Model):
    """One e-mail to one user about one event (``key``, e.g. "round-open:12"); never twice."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=60)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"],
                                               name="notification_once")]

    def __str__(self):
        return f"{self.user_id} {self.key}"
