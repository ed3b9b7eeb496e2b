"""The representation API: the public register of representatives, vacancies and nominations,
representativity rules, the optimiser's proposals, appointments and reports back.

Who may read what (writes are decided by ``representation.services`` alone):

- anyone: representatives, published report summaries, vacancies (they are announcements) and
  the representativity rules (the criteria of a public appointment), with their history;
- the secretariat (``representation.manage``): everything, including recorded gender,
  proposals, expiring appointments and overdue reports;
- organisation contacts: the nominations of the organisations they act for, never others'
  (``selectors.nominations_visible_to``; a nomination they may not see is a 404);
- representatives: their own appointments and reports; the body's members read its reports
  (``services.can_read_reports``).

Reads that depend on the reader are still declared open (no ``auth=``), like the register's
person read: without credentials they answer 401, without the right 403.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from ninja import Query, Router
from ninja.decorators import decorate_view
from ninja.errors import AuthenticationError
from ninja.pagination import paginate
from ninja.responses import Status

from core.access import require
from core.api import (
    WRITE_AUTH,
    ChangeLog,
    ChangeOut,
    ErrorOut,
    Id,
    PagePagination,
    Slug,
    actor,
    read,
    reader,
    write,
)
from core.cache import public_read
from register.models import County, Organisation, Person
from structure.models import Body, Seat

from . import selectors, services
from .models import (
    Appointment,
    Nomination,
    PersonGender,
    RepresentativityRule,
    RepresentedMeeting,
    SlateProposal,
    Vacancy,
)
from .schemas import (
    AppointmentEndIn,
    AppointmentIn,
    AppointmentOut,
    AppointmentRenewIn,
    ExpiringFilters,
    GenderIn,
    GenderOut,
    MeetingIn,
    MeetingOut,
    MyAppointmentOut,
    NominationIn,
    NominationOut,
    OverdueReportOut,
    ProposalIn,
    ProposalOut,
    ReportIn,
    ReportOut,
    ReportSummaryOut,
    RepresentativeFilters,
    RepresentativeOut,
    RuleIn,
    RuleOut,
    RulePatchIn,
    VacancyFilters,
    VacancyIn,
    VacancyOut,
    VacancyPatchIn,
)

router = Router(tags=["representation"])


def restricted(schema, status: int = 200) -> dict:
    """Responses of a read that needs a signed-in reader with the right to it."""
    return {**read(schema, status), 401: ErrorOut, 403: ErrorOut}


# --- Helpers ------------------------------------------------------------------------------------


def _viewer(request):
    """The signed-in reader of a restricted read (authenticated once): 401 without credentials."""
    user = reader(request)
    if not user.is_authenticated:
        raise AuthenticationError()
    return user


def _secretariat(request):
    user = _viewer(request)
    require(user, "representation.manage")
    return user


def _one(model, field: str, **lookup):
    """An object referenced in a request body: a missing one is a 422 on ``field``."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        raise ValidationError({field: f"No {model._meta.model_name} with this identifier."})
    return obj


def _optional(model, field: str, value, key: str = "pk"):
    return None if value is None else _one(model, field, **{key: value})


def _many(model, field: str, values, key: str = "pk") -> list:
    """Objects referenced by a list in a request body, in its order; any missing one is a 422."""
    found = model.objects.in_bulk(list(values), field_name=key)
    missing = [str(value) for value in values if value not in found]
    if missing:
        raise ValidationError({field: f"No {model._meta.model_name} with identifier "
                                      f"{', '.join(missing)}."})
    return [found[value] for value in dict.fromkeys(values)]


class CompletedPage:
    """A queryset paged by ``PagePagination`` whose page is completed by ``complete`` (a few
    queries for the page's rows, whatever their number)."""

    def __init__(self, queryset, complete):
        self.queryset, self.complete = queryset, complete

    def all(self):
        return self

    def count(self) -> int:
        return self.queryset.count()

    def __getitem__(self, page: slice):
        return self.complete(list(self.queryset[page]))


def _deleted_or_live(model, pk: int):
    """The object, or for a deleted one an unsaved stand-in whose history is still readable."""
    obj = model.objects.filter(pk=pk).first()
    if obj is None and model.history.filter(id=pk).exists():
        obj = model(pk=pk)
    if obj is None:
        raise model.DoesNotExist
    return obj


def _vacancies():
    return selectors.vacancy_list().prefetch_related(
        "seats", "required_competences", "desired_competences")


def _vacancy(pk: int) -> Vacancy:
    return get_object_or_404(_vacancies(), pk=pk)


def _appointments(queryset=None):
    queryset = Appointment.objects.all() if queryset is None else queryset
    return queryset.select_related("membership__person", "membership__organisation",
                                   "membership__seat__body", "decided_by")


def _appointment(pk: int) -> Appointment:
    return get_object_or_404(_appointments(), pk=pk)


def _rules(**lookup):
    return (RepresentativityRule.objects.filter(**lookup).select_related("body")
            .prefetch_related("counties", "competences"))


def _rule(pk: int) -> RepresentativityRule:
    return get_object_or_404(_rules(), pk=pk)


# --- The public register ------------------------------------------------------------------------


@decorate_view(public_read)
@router.get("/representatives", response=read(list[RepresentativeOut]),
            summary="Who represents the municipal sector where (no contact details)")
@paginate(PagePagination)
def representative_list(request, filters: Query[RepresentativeFilters]):
    representatives = selectors.public_representatives(on=filters.on)
    if filters.body:
        body = _one(Body, "body", slug=filters.body)
        representatives = representatives.filter(seat__body=body)
    return representatives


@decorate_view(public_read)
@router.get("/report-summaries", response=read(list[ReportSummaryOut]),
            summary="Published summary lines of the representatives' reports")
@paginate(PagePagination)
def report_summary_list(request):
    return selectors.public_report_summaries()


# --- Vacancies ----------------------------------------------------------------------------------


@decorate_view(public_read)
@router.get("/vacancies", response=read(list[VacancyOut]), summary="List vacancies (public)")
@paginate(PagePagination)
def vacancy_list(request, filters: Query[VacancyFilters]):
    vacancies = _vacancies()
    if filters.status:
        vacancies = vacancies.filter(status=filters.status)
    if filters.body:
        vacancies = vacancies.filter(body=_one(Body, "body", slug=filters.body))
    return vacancies


@decorate_view(public_read)
@router.get("/vacancies/{id}", response=read(VacancyOut))
def vacancy_detail(request, id: Id):
    return _vacancy(id)


@decorate_view(public_read)
@router.get("/vacancies/{id}/history", response=read(list[ChangeOut]),
            summary="Change history of a vacancy")
@paginate(PagePagination)
def vacancy_history(request, id: Id):
    return ChangeLog(get_object_or_404(Vacancy, pk=id), viewer=reader(request))


def _vacancy_lists(data: dict) -> dict:
    """Seats and competences of a vacancy body as the service's keyword arguments."""
    lists = {}
    if data.get("seats") is not None:
        lists["seats"] = _many(Seat, "seats", data["seats"])
    for name in ("required_competences", "desired_competences"):
        if data.get(name) is not None:
            lists[name] = data[name]
    for name in ("seats", "required_competences", "desired_competences"):
        data.pop(name, None)
    return lists


@router.post("/vacancies", response=write(VacancyOut, 201), auth=WRITE_AUTH,
             summary="Announce a vacancy (secretariat)")
def vacancy_create(request, payload: VacancyIn):
    data = payload.dict()
    body = _one(Body, "body", slug=data.pop("body"))
    lists = _vacancy_lists(data)
    vacancy = services.vacancy_create(actor=actor(request), body=body, data=data, **lists)
    return Status(201, _vacancy(vacancy.pk))


@router.patch("/vacancies/{id}", response=write(VacancyOut), auth=WRITE_AUTH,
              summary="Change or close a vacancy (secretariat)")
def vacancy_update(request, id: Id, payload: VacancyPatchIn):
    vacancy = get_object_or_404(Vacancy, pk=id)
    data = payload.dict(exclude_unset=True)
    lists = _vacancy_lists(data)
    services.vacancy_update(actor=actor(request), vacancy=vacancy, data=data, **lists)
    return _vacancy(id)


# --- Nominations --------------------------------------------------------------------------------


@router.get("/vacancies/{id}/nominations", response=restricted(list[NominationOut]),
            summary="Nominations for a vacancy: all for the secretariat, your organisations' "
            "for a contact")
@paginate(PagePagination)
def nomination_list(request, id: Id):
    user = _viewer(request)
    vacancy = get_object_or_404(Vacancy, pk=id)
    return selectors.nominations_visible_to(user, vacancy)


@router.post("/vacancies/{id}/nominations", response=write(NominationOut, 201),
             auth=WRITE_AUTH, summary="Nominate a person of your organisation")
def nomination_create(request, id: Id, payload: NominationIn):
    vacancy = get_object_or_404(Vacancy, pk=id)
    nomination = services.nomination_create(
        actor=actor(request), vacancy=vacancy,
        organisation=_one(Organisation, "organisation", pk=payload.organisation),
        person=_one(Person, "person", pk=payload.person), motivation=payload.motivation,
        competences=payload.competences, consent=payload.consent)
    return Status(201, selectors.nominations_visible_to(actor(request)).get(pk=nomination.pk))


@router.get("/nominations/{id}", response=restricted(NominationOut),
            summary="A nomination (secretariat and the nominating organisation only)")
def nomination_detail(request, id: Id):
    return get_object_or_404(selectors.nominations_visible_to(_viewer(request)), pk=id)


@router.get("/nominations/{id}/history", response=restricted(list[ChangeOut]),
            summary="Change history of a nomination (as the nomination itself)")
@paginate(PagePagination)
def nomination_history(request, id: Id):
    user = _viewer(request)
    nomination = get_object_or_404(selectors.nominations_visible_to(user), pk=id)
    return ChangeLog(nomination, viewer=user)


@router.post("/nominations/{id}/withdraw", response=write(NominationOut), auth=WRITE_AUTH,
             summary="Withdraw a nomination of your organisation")
def nomination_withdraw(request, id: Id):
    nomination = get_object_or_404(Nomination.objects.select_related("organisation"), pk=id)
    services.nomination_withdraw(actor=actor(request), nomination=nomination)
    return selectors.nominations_visible_to(actor(request)).get(pk=id)


# --- Representativity rules ---------------------------------------------------------------------


@decorate_view(public_read)
@router.get("/bodies/{slug}/rules", response=read(list[RuleOut]),
            summary="Representativity rules of a body (public)")
@paginate(PagePagination)
def rule_list(request, slug: Slug):
    return _rules(body=get_object_or_404(Body, slug=slug))


def _rule_lists(data: dict) -> dict:
    lists = {}
    if data.get("counties") is not None:
        lists["counties"] = _many(County, "counties", data["counties"], key="number")
    if data.get("competences") is not None:
        lists["competences"] = data["competences"]
    data.pop("counties", None)
    data.pop("competences", None)
    return lists


@router.post("/bodies/{slug}/rules", response=write(RuleOut, 201), auth=WRITE_AUTH,
             summary="Add a representativity rule to a body (secretariat)")
def rule_create(request, slug: Slug, payload: RuleIn):
    body = get_object_or_404(Body, slug=slug)
    data = payload.dict(exclude_unset=True)
    lists = _rule_lists(data)
    rule = services.rule_create(actor=actor(request), body=body, data=data, **lists)
    return Status(201, _rule(rule.pk))


@decorate_view(public_read)
@router.get("/rules/{id}", response=read(RuleOut))
def rule_detail(request, id: Id):
    return _rule(id)


@router.patch("/rules/{id}", response=write(RuleOut), auth=WRITE_AUTH,
              summary="Change a representativity rule (secretariat)")
def rule_update(request, id: Id, payload: RulePatchIn):
    data = payload.dict(exclude_unset=True)
    lists = _rule_lists(data)
    services.rule_update(actor=actor(request), rule=_rule(id), data=data, **lists)
    return _rule(id)


@router.delete("/rules/{id}", response=write(None, 204), auth=WRITE_AUTH,
               summary="Delete a representativity rule (secretariat; its history stays)")
def rule_delete(request, id: Id):
    services.rule_delete(actor=actor(request), rule=_rule(id))
    return Status(204, None)


@decorate_view(public_read)
@router.get("/rules/{id}/history", response=read(list[ChangeOut]),
            summary="Change history of a representativity rule, also after it was deleted")
@paginate(PagePagination)
def rule_history(request, id: Id):
    return ChangeLog(_deleted_or_live(RepresentativityRule, id), viewer=reader(request))


# --- Recorded gender (secretariat only) ---------------------------------------------------------


@router.get("/people/{id}/gender", response=restricted(GenderOut),
            summary="A person's recorded gender, for the gender-balance rule (secretariat)")
def gender_detail(request, id: Id):
    _secretariat(request)
    person = get_object_or_404(Person, pk=id)
    record = PersonGender.objects.filter(person=person).first()
    return {"person": person.pk, "gender": record.gender if record else None}


@router.put("/people/{id}/gender", response=write(GenderOut), auth=WRITE_AUTH,
            summary="Record or remove a person's gender (secretariat)")
def gender_set(request, id: Id, payload: GenderIn):
    person = get_object_or_404(Person, pk=id)
    record = services.person_gender_set(actor=actor(request), person=person,
                                        gender=payload.gender or "")
    return {"person": person.pk, "gender": record.gender if record else None}


# --- The optimiser's proposals (secretariat) ----------------------------------------------------


@router.get("/vacancies/{id}/proposals", response=restricted(list[ProposalOut]),
            summary="The optimiser's proposals for a vacancy, newest first (secretariat)")
@paginate(PagePagination)
def proposal_list(request, id: Id):
    _secretariat(request)
    return SlateProposal.objects.filter(vacancy=get_object_or_404(Vacancy, pk=id))


@router.post("/vacancies/{id}/proposals", response=write(ProposalOut, 201), auth=WRITE_AUTH,
             summary="Run the optimiser with locks and exclusions and keep its proposal "
             "(secretariat)")
def proposal_create(request, id: Id, payload: ProposalIn):
    vacancy = get_object_or_404(Vacancy, pk=id)
    proposal = services.proposal_run(actor=actor(request), vacancy=vacancy,
                                     locked=payload.locked, excluded=payload.excluded)
    return Status(201, proposal)


# --- Appointments -------------------------------------------------------------------------------


@router.post("/appointments", response=write(AppointmentOut, 201), auth=WRITE_AUTH,
             summary="Record KS' decision appointing a person to a seat (secretariat)")
def appointment_create(request, payload: AppointmentIn):
    vacancy = _optional(Vacancy, "vacancy", payload.vacancy)
    appointment = services.appointment_record(
        actor=actor(request), seat=_one(Seat, "seat", pk=payload.seat),
        person=_one(Person, "person", pk=payload.person),
        organisation=_optional(Organisation, "organisation", payload.organisation),
        decision_ref=payload.decision_ref, decision_date=payload.decision_date,
        decided_by=_optional(Body, "decided_by", payload.decided_by, key="slug"),
        valid_from=payload.valid_from, valid_to=payload.valid_to, vacancy=vacancy,
        proposal=_optional(SlateProposal, "proposal", payload.proposal),
        reporting=payload.reporting, report_every_months=payload.report_every_months)
    return Status(201, _appointment(appointment.pk))


@router.post("/appointments/{id}/end", response=write(AppointmentOut), auth=WRITE_AUTH,
             summary="End a term (secretariat)")
def appointment_end(request, id: Id, payload: AppointmentEndIn):
    services.appointment_end(actor=actor(request), appointment=_appointment(id),
                             end_date=payload.end_date, reason=payload.reason)
    return _appointment(id)


@router.post("/appointments/{id}/renew", response=write(AppointmentOut, 201), auth=WRITE_AUTH,
             summary="Re-appoint for the next term, from the day after this one ends "
             "(secretariat)")
def appointment_renew(request, id: Id, payload: AppointmentRenewIn):
    renewal = services.appointment_renew(
        actor=actor(request), appointment=_appointment(id), decision_ref=payload.decision_ref,
        decision_date=payload.decision_date, valid_to=payload.valid_to,
        decided_by=_optional(Body, "decided_by", payload.decided_by, key="slug"))
    return Status(201, _appointment(renewal.pk))


@router.get("/appointments/expiring", response=restricted(list[AppointmentOut]),
            summary="Terms ending soon with no re-appointment (secretariat)")
@paginate(PagePagination)
def appointment_expiring(request, filters: Query[ExpiringFilters]):
    _secretariat(request)
    return _appointments(selectors.expiring_appointments(days=filters.days))


@router.get("/appointments/{id}/history", response=restricted(list[ChangeOut]),
            summary="Change history of an appointment (those who may read its reports)")
@paginate(PagePagination)
def appointment_history(request, id: Id):
    user = _viewer(request)
    appointment = _appointment(id)
    if not services.can_read_reports(user, appointment):
        raise PermissionDenied("not the secretariat, the representative or a member")
    return ChangeLog(appointment, viewer=user)


def _with_outstanding(appointments: list) -> list:
    """Each appointment with the due dates of its reports not filed (three more queries)."""
    due: dict[int, list] = {}
    page = Appointment.objects.filter(pk__in=[a.pk for a in appointments])
    for appointment, day in selectors.outstanding_reports(page):
        due.setdefault(appointment.pk, []).append(day)
    for appointment in appointments:
        appointment.outstanding = due.get(appointment.pk, [])
    return appointments


@router.get("/me/appointments", response=restricted(list[MyAppointmentOut]),
            summary="Your own appointments, with the reports you still owe")
@paginate(PagePagination)
def my_appointments(request):
    return CompletedPage(_appointments(selectors.appointments_of(_viewer(request))),
                         _with_outstanding)


# --- Meetings -----------------------------------------------------------------------------------


@router.post("/bodies/{slug}/meetings", response=write(MeetingOut, 201), auth=WRITE_AUTH,
             summary="Record a meeting of a body where the sector is represented "
             "(secretariat; the same day again returns the meeting recorded)")
def meeting_create(request, slug: Slug, payload: MeetingIn):
    body = get_object_or_404(Body, slug=slug)
    meeting = services.meeting_record(actor=actor(request), body=body, date=payload.date,
                                      title=payload.title)
    return Status(201, RepresentedMeeting.objects.select_related("body").get(pk=meeting.pk))


# --- Reports back -------------------------------------------------------------------------------


@router.get("/reports/overdue", response=restricted(list[OverdueReportOut]),
            summary="Reports due and not filed, oldest first (secretariat)")
@paginate(PagePagination)
def report_overdue(request):
    _secretariat(request)
    return [{"appointment": appointment, "due_date": due}
            for appointment, due in selectors.outstanding_reports(_appointments())]


@router.get("/appointments/{id}/reports", response=restricted(list[ReportOut]),
            summary="Reports of an appointment (secretariat, the representative, the body's "
            "members)")
@paginate(PagePagination)
def report_list(request, id: Id):
    user = _viewer(request)
    appointment = _appointment(id)
    if not services.can_read_reports(user, appointment):
        raise PermissionDenied("not the secretariat, the representative or a member")
    return selectors.reports_visible_to(user).filter(appointment=appointment)


@router.post("/appointments/{id}/reports", response=write(ReportOut, 201), auth=WRITE_AUTH,
             summary="File a report (the representative, or the secretariat for them)")
def report_create(request, id: Id, payload: ReportIn):
    data = payload.dict()
    report = services.report_submit(actor=actor(request), appointment=_appointment(id),
                                    due_date=data.pop("due_date"), data=data)
    return Status(201, report)


@router.get("/reports/{id}/history", response=restricted(list[ChangeOut]),
            summary="Change history of a report (those who may read it)")
@paginate(PagePagination)
def report_history(request, id: Id):
    user = _viewer(request)
    return ChangeLog(get_object_or_404(selectors.reports_visible_to(user), pk=id), viewer=user)


