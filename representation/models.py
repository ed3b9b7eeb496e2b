"""Representation: KS appoints the sector's representatives to bodies, on behalf of the sector.

A vacancy (utlysning av verv) names seats of a body to fill for a term; organisation contacts
nominate people of their own organisation; representativity rules per body say what a lawful,
representative slate is; the optimiser proposes one; the secretariat decides, and the decision
becomes memberships in the structure (an ``Appointment`` beside each) with a reporting schedule.
Representatives report back (``Report``).

Privacy: nominations are visible to the secretariat and the nominating organisation only;
gender (``PersonGender``) is recorded only for the gender-balance rule and shown only to the
secretariat; reports to the secretariat and the body's members, a summary line may be public.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from register.models import County, Organisation, OrganisationKind, Person
from structure.models import Body, Membership, Seat


class Competence(models.Model):
    """A competence a vacancy asks for and a nominee offers (e.g. "arkitektur", "e-helse")."""

    name = models.CharField(_("name"), max_length=100, unique=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("competence")
        verbose_name_plural = _("competences")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Gender(models.TextChoices):
    FEMALE = "female", _("Woman")
    MALE = "male", _("Man")


class PersonGender(models.Model):
    """A person's gender, recorded only to check the gender-balance rule (likestillings- og
    diskrimineringsloven § 28). Never public; read and written by the secretariat only."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="gender_record")
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("recorded gender")
        verbose_name_plural = _("recorded genders")

    def __str__(self):
        return f"{self.person}: {self.get_gender_display()}"


class VacancyStatus(models.TextChoices):
    OPEN = "open", _("Open for nominations")
    CLOSED = "closed", _("Closed for nominations")
    DECIDED = "decided", _("Decided")
    CANCELLED = "cancelled", _("Cancelled")


class Vacancy(models.Model):
    """Seats of a body to fill for a term, open for nominations until a deadline.

    Invariants: the seats belong to the body (services); the term does not end before it starts
    (database); nominations are accepted only while open and before the deadline (services).
    """

    body = models.ForeignKey(Body, verbose_name=_("body"), on_delete=models.PROTECT,
                             related_name="vacancies")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    seats = models.ManyToManyField(Seat, verbose_name=_("seats"), related_name="vacancies")
    term_start = models.DateField(_("term starts"))
    term_end = models.DateField(_("term ends"), null=True, blank=True)
    deadline = models.DateField(_("nomination deadline"))
    required_competences = models.ManyToManyField(
        Competence, verbose_name=_("required competences"), blank=True,
        related_name="required_by")
    desired_competences = models.ManyToManyField(
        Competence, verbose_name=_("desired competences"), blank=True,
        related_name="desired_by")
    status = models.CharField(_("status"), max_length=12, choices=VacancyStatus.choices,
                              default=VacancyStatus.OPEN)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[seats, required_competences, desired_competences])

    class Meta:
        verbose_name = _("vacancy")
        verbose_name_plural = _("vacancies")
        ordering = ["-deadline", "-id"]
        constraints = [models.CheckConstraint(
            condition=Q(term_end__isnull=True) | Q(term_end__gte=models.F("term_start")),
            name="vacancy_term_period")]

    def __str__(self):
        return self.title

    def clean(self):
        if self.term_end and self.term_start and self.term_end < self.term_start:
            raise ValidationError({"term_end": _("The term cannot end before it starts.")})


class Nomination(models.Model):
    """A person nominated by their organisation for a vacancy, with the person's consent.

    Invariants: the person is affiliated with the nominating organisation when nominated, and
    consents (services); one live nomination per person and vacancy (database).
    """

    vacancy = models.ForeignKey(Vacancy, on_delete=models.CASCADE, related_name="nominations")
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="nominations")
    organisation = models.ForeignKey(Organisation, verbose_name=_("nominating organisation"),
                                     on_delete=models.PROTECT, related_name="nominations")
    motivation = models.TextField(_("motivation"))
    competences = models.ManyToManyField(Competence, verbose_name=_("competences"), blank=True,
                                         related_name="nominations")
    consent = models.BooleanField(_("the person consents"), default=False)
    withdrawn = models.BooleanField(_("withdrawn"), default=False)
    created_at = models.DateTimeField(_("nominated"), auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[competences])

    class Meta:
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        ordering = ["vacancy", "person__name"]
        constraints = [
            models.UniqueConstraint(fields=["vacancy", "person"], condition=Q(withdrawn=False),
                                    name="one_live_nomination_per_person"),
            models.CheckConstraint(condition=Q(consent=True) | Q(withdrawn=True),
                                   name="nomination_needs_consent"),
        ]

    def __str__(self):
        return f"{self.person} ({self.organisation}) – {self.vacancy}"


class RuleKind(models.TextChoices):
    COUNTY_SEATS = "county_seats", _("Seats per county or group of counties")
    KIND_SEATS = "kind_seats", _("Municipalities and county municipalities")
    SIZE_CLASS_SEATS = "size_class_seats", _("Seats per population size class")
    NETWORK = "network", _("Members of regional networks")
    ONE_PER_ORGANISATION = "one_per_organisation", _("At most one seat per organisation")
    MAX_LOAD = "max_load", _("Concurrent appointments per person")
    COMPETENCES = "competences", _("Required competences covered")
    CONTINUITY = "continuity", _("Continuity: incumbents kept")
    GENDER_BALANCE = "gender_balance", _("Gender balance (likestillingsloven § 28)")


class RepresentativityRule(models.Model):
    """A rule a body's composition must follow, configured by the secretariat, with its reason.

    Which fields matter depends on ``kind`` (``clean``): counties for county seats, the kind of
    organisation for the kind split, population bounds for size classes (from ≤ population <
    below), ``minimum``/``maximum`` seats (of ``role``, or members and deputies together),
    ``limit`` for load and continuity, competences for coverage; ``preferred`` makes the network
    rule a preference (a score bonus) instead of a requirement. The optimiser's semantics of
    each kind: docs/optimiser.md.
    """

    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="representativity_rules")
    kind = models.CharField(_("kind of rule"), max_length=24, choices=RuleKind.choices)
    name = models.CharField(_("name"), max_length=200, blank=True,
                            help_text=_("For example 'Northern Norway' for a group of counties."))
    counties = models.ManyToManyField(County, verbose_name=_("counties"), blank=True)
    organisation_kind = models.CharField(
        _("kind of organisation"), max_length=32, blank=True,
        choices=[(OrganisationKind.MUNICIPALITY.value, OrganisationKind.MUNICIPALITY.label),
                 (OrganisationKind.COUNTY_MUNICIPALITY.value,
                  OrganisationKind.COUNTY_MUNICIPALITY.label)])
    population_from = models.PositiveIntegerField(_("population from"), null=True, blank=True)
    population_to = models.PositiveIntegerField(_("population below"), null=True, blank=True)
    role = models.CharField(_("counts"), max_length=10, blank=True,
                            choices=[("member", _("Members only")), ("deputy", _("Deputies only"))],
                            help_text=_("Empty: members and deputies together."))
    minimum = models.PositiveSmallIntegerField(_("at least"), null=True, blank=True)
    maximum = models.PositiveSmallIntegerField(_("at most"), null=True, blank=True)
    limit = models.PositiveSmallIntegerField(_("number"), null=True, blank=True)
    competences = models.ManyToManyField(Competence, verbose_name=_("competences"), blank=True)
    preferred = models.BooleanField(_("a preference, not a requirement"), default=False)
    explanation = models.TextField(_("explanation"), blank=True,
                                   help_text=_("Why the rule exists, in plain language."))
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords(m2m_fields=[counties, competences])

    class Meta:
        verbose_name = _("representativity rule")
        verbose_name_plural = _("representativity rules")
        ordering = ["body", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minimum__isnull=True) | Q(maximum__isnull=True)
                | Q(maximum__gte=models.F("minimum")), name="rule_min_not_above_max"),
            models.CheckConstraint(
                condition=Q(population_from__isnull=True) | Q(population_to__isnull=True)
                | Q(population_to__gt=models.F("population_from")),
                name="rule_population_bounds"),
        ]

    def __str__(self):
        return self.name or self.get_kind_display()

    def clean(self):
        needs_bounds = {RuleKind.COUNTY_SEATS, RuleKind.KIND_SEATS, RuleKind.SIZE_CLASS_SEATS}
        if self.kind in needs_bounds and self.minimum is None and self.maximum is None:
            raise ValidationError(_("Give at least or at most a number of seats."))
        if self.kind == RuleKind.KIND_SEATS and not self.organisation_kind:
            raise ValidationError({"organisation_kind": _("Choose the kind of organisation.")})
        if self.kind == RuleKind.SIZE_CLASS_SEATS and (
                self.population_from is None and self.population_to is None):
            raise ValidationError(_("Give the population bounds of the size class."))
        if self.kind in {RuleKind.MAX_LOAD, RuleKind.CONTINUITY} and self.limit is None:
            raise ValidationError({"limit": _("Give the number.")})


class SlateProposal(models.Model):
    """One run of the optimiser for a vacancy: its input, its answer, who ran it and when.

    Kept beside the appointment it led to, so the decision can be compared with the proposal.
    """

    vacancy = models.ForeignKey(Vacancy, on_delete=models.CASCADE, related_name="proposals")
    created_at = models.DateTimeField(_("run at"), auto_now_add=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    locked = models.JSONField(_("locked candidates"), default=dict, blank=True)
    excluded = models.JSONField(_("excluded candidates"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=12)
    proven_optimal = models.BooleanField(_("proven optimal"), default=False)
    score = models.IntegerField(_("score"), null=True, blank=True)
    result = models.JSONField(_("result"), default=dict)

    class Meta:
        verbose_name = _("slate proposal")
        verbose_name_plural = _("slate proposals")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.vacancy} – {self.created_at:%Y-%m-%d %H:%M}"


class ReportingSchedule(models.TextChoices):
    AFTER_MEETINGS = "after_meetings", _("After each meeting")
    MONTHLY = "months", _("Every N months")


class Appointment(models.Model):
    """KS' decision appointing a person to a seat: the membership it created, the decision
    (reference, date, deciding body), the proposal beside it and the reporting duty.

    Invariant: one appointment per membership (database); the membership carries the term.
    """

    membership = models.OneToOneField(Membership, on_delete=models.PROTECT,
                                      related_name="appointment")
    vacancy = models.ForeignKey(Vacancy, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="appointments")
    decision_ref = models.CharField(_("decision reference"), max_length=200)
    decision_date = models.DateField(_("decision date"))
    decided_by = models.ForeignKey(Body, verbose_name=_("decided by"), on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="appointments_decided")
    proposal = models.ForeignKey(SlateProposal, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="appointments")
    reporting = models.CharField(_("reports back"), max_length=16,
                                 choices=ReportingSchedule.choices,
                                 default=ReportingSchedule.MONTHLY)
    report_every_months = models.PositiveSmallIntegerField(_("every N months"), default=6)
    end_reason = models.CharField(_("reason for ending"), max_length=300, blank=True)
    renews = models.ForeignKey("self", verbose_name=_("re-appointment of"),
                               on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="renewals")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["-decision_date", "-id"]
        constraints = [models.CheckConstraint(condition=Q(report_every_months__gte=1),
                                              name="appointment_reports_at_least_monthly")]

    def __str__(self):
        return str(self.membership)


class RepresentedMeeting(models.Model):
    """A meeting of a body where the sector is represented: a report is due after it when the
    appointment reports after each meeting."""

    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="represented_meetings")
    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-date"]
        constraints = [models.UniqueConstraint(fields=["body", "date"],
                                               name="one_meeting_per_body_and_day")]

    def __str__(self):
        return f"{self.body} {self.date:%Y-%m-%d}"


class Report(models.Model):
    """A representative's report back: what was discussed, the status, and whether the sector
    needs a position (flagged for the secretariat). Visible to the secretariat and the body's
    members; ``summary`` is public when ``summary_public``.

    Invariant: one report per appointment and due date (database).
    """

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT,
                                    related_name="reports")
    due_date = models.DateField(_("due for"))
    discussed = models.TextField(_("what was discussed"))
    status = models.TextField(_("status of the work"), blank=True)
    needs_position = models.BooleanField(_("the sector needs a position"), default=False)
    position_matter = models.TextField(_("matter needing a position"), blank=True)
    summary = models.CharField(_("summary line"), max_length=300, blank=True)
    summary_public = models.BooleanField(_("publish the summary line"), default=False)
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-due_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["appointment", "due_date"],
                                    name="one_report_per_due_date"),
            models.CheckConstraint(condition=Q(needs_position=False) | ~Q(position_matter=""),
                                   name="position_matter_when_flagged"),
        ]

    def __str__(self):
        return f"{self.appointment} – {self.due_date:%Y-%m-%d}"


class ReminderSent(models.Model):
    """A reminder e-mail sent for an appointment's due report: at most one per due date."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE,
                                    related_name="reminders")
    due_date = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["appointment", "due_date"],
                                               name="one_reminder_per_due_date")]

    def __str__(self):
        return f"{self.appointment} – {self.due_date:%Y-%m-%d}"
