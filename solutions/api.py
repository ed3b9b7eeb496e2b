
"""The solutions API: the catalogue of common solutions, and their adoption by the members on any
day (who, since when, the curve, breakdowns, laggards, "near me", a member's profile).

Reads are open and call ``solutions.selectors``, as the pages do; every figure is "as recorded
for the day ``on``" (default today). Writes call ``solutions.services`` alone, which check
permissions: the secretariat (``solutions.manage``) keeps the catalogue and corrects the
record; an organisation's contacts (``solutions.update_adoption``) report its own status.
"""

import math

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router
from ninja.decorators import decorate_view
from ninja.pagination import paginate
from ninja.responses import Status

from core.api import (
    WRITE_AUTH,
    ChangeLog,
    ChangeOut,
    Id,
    PagePagination,
    Slug,
    actor,
    read,
    reader,
    write,
)
from core.cache import public_read
from register.models import Affiliation, Organisation, Person
from structure.models import Body

from . import benefits, selectors, services
from .models import ActorType, Adoption, BenefitItem, BenefitModel, Solution, SolutionLink
from .schemas import (
    AdoptionCorrectIn,
    AdoptionIn,
    AdoptionOnOut,
    AdoptionOut,
    BenefitItemIn,
    BenefitItemOut,
    BenefitItemPatchIn,
    BenefitModelIn,
    BenefitModelOut,
    BenefitsFilters,
    BenefitsOut,
    BreakdownFilters,
    BreakdownOut,
    CurveFilters,
    CurveOut,
    DayFilter,
    LaggardsOut,
    LinkIn,
    LinkOut,
    NearOut,
    PeriodOut,
    ProfileFilters,
    ProfileOut,
    SolutionDetailOut,
    SolutionFilters,
    SolutionIn,
    SolutionOut,
    SolutionPatchIn,
    size_class_out,
)

router = Router(tags=["solutions"])


# --- Helpers ------------------------------------------------------------------------------------


def _one(queryset, field: str, **lookup):
    """An object referenced in a request body: a missing one is a 422 on ``field``."""
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise ValidationError({field: f"No {queryset.model._meta.model_name} with this "
                                      "identifier."})
    return obj


def _many(queryset, field: str, values, key: str) -> list:
    """Objects referenced by a list in a request body; any missing one is a 422 on ``field``."""
    found = queryset.in_bulk(list(values), field_name=key)
    missing = [str(value) for value in values if value not in found]
    if missing:
        raise ValidationError({field: f"No {queryset.model._meta.model_name} with identifier "
                                      f"{', '.join(missing)}."})
    return [found[value] for value in dict.fromkeys(values)]


def _solution(slug: str) -> Solution:
    return Solution.objects.get(slug=slug)


def _member(pk: int, on) -> Organisation:
    """A member organisation valid on ``on``; anything else is a 404."""
    return get_object_or_404(Organisation.objects.valid_on(on).members()
                             .select_related("county"), pk=pk)


def _on(filters: DayFilter):
    return filters.on or timezone.localdate()


def _contact(person_id: int | None, organisation: Organisation) -> Person | None:
    """The contact person named in a body: affiliated with ``organisation`` today, or a 422."""
    if person_id is None:
        return None
    affiliation = (Affiliation.objects.current().select_related("person")
                   .filter(organisation=organisation, person_id=person_id).first())
    if affiliation is None:
        raise ValidationError({"contact_person_id": "No person affiliated with this "
                                                    "organisation today has this id."})
    return affiliation.person


def _adoption(pk: int) -> Adoption:
    return get_object_or_404(Adoption.objects.select_related(
        "solution", "organisation__county", "contact"), pk=pk)


# --- The catalogue ------------------------------------------------------------------------------


@decorate_view(public_read)
@router.get("/solutions", response=read(list[SolutionOut]),
            summary="The catalogue of common solutions, with the members in production today")
@paginate(PagePagination)
def solution_list(request, filters: Query[SolutionFilters]):
    return selectors.solution_list(q=filters.q or "", kind=filters.kind or "",
                                   lifecycle=filters.lifecycle or "")


@decorate_view(public_read)
@router.get("/solutions/{slug}", response=read(SolutionDetailOut),
            summary="A common solution: provider, user council, links, dependencies")
def solution_detail(request, slug: Slug):
    return selectors.solution_detail(slug)


def _solution_data(payload, *, partial: bool) -> tuple[dict, dict]:
    """A solution body as the service's ``data`` and its keyword arguments (``partial``: only
    the fields sent)."""
    data = payload.dict(exclude_unset=partial)
    extra = {"reason": data.pop("reason", "")}
    for name in ("depends_on", "replaces"):
        if name in data:
            extra[name] = _many(Solution.objects.all(), name, data.pop(name), key="slug")
    if data.get("provider") is not None:
        data["provider"] = _one(Organisation.objects.all(), "provider", pk=data["provider"])
    if data.get("user_council") is not None:
        data["user_council"] = _one(Body.objects.all(), "user_council",
                                    slug=data["user_council"])
    return data, extra


@router.post("/solutions", response=write(SolutionDetailOut, 201), auth=WRITE_AUTH,
             summary="Add a solution to the catalogue (the secretariat)")
def solution_create(request, payload: SolutionIn):
    data, extra = _solution_data(payload, partial=False)
    solution = services.solution_save(actor=actor(request), data=data, **extra)
    return Status(201, selectors.solution_detail(solution.slug))


@router.patch("/solutions/{slug}", response=write(SolutionDetailOut), auth=WRITE_AUTH,
              summary="Change a catalogue entry (the secretariat)")
def solution_update(request, slug: Slug, payload: SolutionPatchIn):
    solution = _solution(slug)
    data, extra = _solution_data(payload, partial=True)
    solution = services.solution_save(actor=actor(request), solution=solution, data=data,
                                      **extra)
    return selectors.solution_detail(solution.slug)


@router.post("/solutions/{slug}/links", response=write(LinkOut, 201), auth=WRITE_AUTH,
             summary="Add a link to a solution: documentation, status page, sign-up")
def link_create(request, slug: Slug, payload: LinkIn):
    link = services.link_save(actor=actor(request), solution=_solution(slug),
                              data=payload.dict())
    return Status(201, link)


@router.delete("/solutions/{slug}/links/{id}", response=write(None, 204), auth=WRITE_AUTH,
               summary="Remove a link from a solution")
def link_delete(request, slug: Slug, id: Id):
    link = get_object_or_404(SolutionLink, pk=id, solution=_solution(slug))
    services.link_delete(actor=actor(request), link=link)
    return Status(204, None)


# --- Adoption on a day --------------------------------------------------------------------------


@decorate_view(public_read)
@router.get("/solutions/{slug}/adoption", response=read(AdoptionOnOut),
            summary="Every member's status on a day, with the counts per status")
def adoption_on(request, slug: Slug, filters: Query[DayFilter]):
    solution, on = _solution(slug), _on(filters)
    rows = selectors.statuses(solution, on)
    return {"on": on, "solution": solution, "counts": selectors.status_counts(rows),
            "organisations": rows}


@decorate_view(public_read)
@router.get("/solutions/{slug}/curve", response=read(CurveOut),
            summary="The adoption curve: members in production at each year's end")
def adoption_curve(request, slug: Slug, filters: Query[CurveFilters]):
    solution = _solution(slug)
    return {"solution": solution, "points": selectors.curve(solution, until=filters.until)}


@decorate_view(public_read)
@router.get("/solutions/{slug}/breakdown", response=read(BreakdownOut),
            summary="Adoption on a day by county, regional network or population size class")
def adoption_breakdown(request, slug: Slug, filters: Query[BreakdownFilters]):
    solution, on = _solution(slug), _on(filters)
    groups = selectors.breakdown(selectors.statuses(solution, on), filters.by)
    return {"on": on, "by": filters.by, "solution": solution, "groups": groups}


@decorate_view(public_read)
@router.get("/solutions/{slug}/laggards", response=read(LaggardsOut),
            summary="Members not started where most of their county or network is in "
            "production")
def adoption_laggards(request, slug: Slug, filters: Query[DayFilter]):
    solution, on = _solution(slug), _on(filters)
    return {"on": on, "solution": solution,
            "laggards": selectors.laggards(selectors.statuses(solution, on))}


@decorate_view(public_read)
@router.get("/solutions/{slug}/near/{organisation_id}", response=read(NearOut),
            summary="Members in production near a member: same county, network or size class")
def adoption_near(request, slug: Slug, organisation_id: Id, filters: Query[DayFilter]):
    solution, on = _solution(slug), _on(filters)
    organisation = _member(organisation_id, on)
    rows = selectors.statuses(solution, on)
    me = next(row for row in rows if row.organisation.pk == organisation.pk)
    return {"on": on, "solution": solution, "organisation": organisation, "status": me.status,
            **selectors.near(rows, organisation)}


@decorate_view(public_read)
@router.get("/organisations/{id}/adoption-profile", response=read(ProfileOut),
            summary="A member's status for every solution against its county, size class and "
            "the sector")
def adoption_profile(request, id: Id, filters: Query[ProfileFilters]):
    on = _on(filters)
    organisation = _member(id, on)
    catalogue = selectors.catalogue_items()
    pages = max(1, math.ceil(len(catalogue) / filters.page_size))
    if filters.page > pages:
        raise Http404("No such page.")
    start = (filters.page - 1) * filters.page_size
    return {"on": on, "organisation": organisation,
            "size_class": size_class_out(selectors.size_class(organisation)),
            "count": len(catalogue), "page": filters.page, "page_size": filters.page_size,
            "pages": pages, "solutions": selectors.member_profile(
                organisation, on, solutions=catalogue[start:start + filters.page_size])}


# --- Recorded adoption --------------------------------------------------------------------------


@decorate_view(public_read)
@router.get("/solutions/{slug}/adoption/{organisation_id}", response=read(list[PeriodOut]),
            summary="The recorded status periods of one member, newest first")
@paginate(PagePagination)
def adoption_periods(request, slug: Slug, organisation_id: Id):
    organisation = get_object_or_404(Organisation.objects.members(), pk=organisation_id)
    return selectors.adoption_history(_solution(slug), organisation)


@router.post("/solutions/{slug}/adoption/{organisation_id}",
             response={**write(AdoptionOut, 201), 200: AdoptionOut}, auth=WRITE_AUTH,
             summary="Report a member's status from a day (its contacts, the secretariat); "
             "201 when a new period began, 200 when the current one was updated")
def adoption_record(request, slug: Slug, organisation_id: Id, payload: AdoptionIn):
    solution = _solution(slug)
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    started = Adoption.objects.filter(solution=solution, organisation=organisation,
                                      valid_from=payload.valid_from).exists()
    adoption = services.adoption_record(
        actor=actor(request), solution=solution, organisation=organisation,
        status=payload.status, valid_from=payload.valid_from,
        contact=_contact(payload.contact_person_id, organisation),
        contact_role=payload.contact_role, note=payload.note)
    created = not started and adoption.valid_from == payload.valid_from
    return Status(201 if created else 200, _adoption(adoption.pk))


@router.patch("/adoptions/{id}", response=write(AdoptionOut), auth=WRITE_AUTH,
              summary="Correct a recorded status period, with the reason (the secretariat)")
def adoption_correct(request, id: Id, payload: AdoptionCorrectIn):
    adoption = _adoption(id)
    data = payload.dict(exclude_unset=True)
    reason = data.pop("reason")
    if "contact_person_id" in data:
        data["contact"] = _contact(data.pop("contact_person_id"), adoption.organisation)
    services.adoption_correct(actor=actor(request), adoption=adoption, data=data, reason=reason)
    return _adoption(id)


# --- Benefit models -----------------------------------------------------------------------------


def _benefit_model(solution: Solution) -> BenefitModel:
    return get_object_or_404(BenefitModel, solution=solution)


def _appraisal_out(appraisal) -> dict:
    actors = [a for a in ActorType.values if a in appraisal.net_by_actor]
    return {
        "npv": appraisal.npv, "payback_year": appraisal.payback_year,
        "years": [{"year": year,
                   "costs": {a: appraisal.costs[a][year] for a in actors},
                   "gains": {a: appraisal.gains[a][year] for a in actors},
                   "net": appraisal.net[year], "present_value": appraisal.present_value[year]}
                  for year in appraisal.years],
        "actors": [{"actor_type": a, "cost_present_value": appraisal.cost_pv_by_actor[a],
                    "gain_present_value": appraisal.gain_pv_by_actor[a],
                    "net_present_value": appraisal.npv_by_actor[a]} for a in actors],
    }


@decorate_view(public_read)
@router.get("/solutions/{slug}/benefits", response=read(BenefitsOut),
            summary="The benefit model: cash flows per actor and year, NPV, payback, who pays "
            "and who gains, sensitivity, realised gains, and one member's estimate")
def benefits_read(request, slug: Slug, filters: Query[BenefitsFilters]):
    solution = _solution(slug)
    model = _benefit_model(solution)
    items = list(model.items.all())
    member = (_member(filters.member, timezone.localdate())  # only read with figures to show
              if filters.member is not None and items else None)
    result = benefits.report(solution, model, items, member=member)
    appraisal, realised, estimate = result.appraisal, result.realised, result.estimate
    return {
        "solution": solution, "model": model, "items": items,
        "sector": {"members": result.sector.members, "population": result.sector.population},
        "appraisal": _appraisal_out(appraisal) if appraisal else None,
        "sensitivity": [{"item": row.item.pk, "title": row.item.title,
                         "npv_low": row.npv_low, "npv_expected": row.npv_expected,
                         "npv_high": row.npv_high} for row in result.sensitivity],
        "realised": {"until_year": realised.until_year, "total": realised.total,
                     "present_value": realised.present_value,
                     "by_year": realised.by_year} if realised else None,
        "member": {"organisation": member, "npv": estimate.npv,
                   "payback_year": estimate.payback_year} if estimate else None,
    }


@router.put("/solutions/{slug}/benefit-model", response=write(BenefitModelOut), auth=WRITE_AUTH,
            summary="Make or change a solution's benefit model (the secretariat)")
def benefit_model_put(request, slug: Slug, payload: BenefitModelIn):
    return services.benefit_model_save(actor=actor(request), solution=_solution(slug),
                                       data=payload.dict())


@router.post("/solutions/{slug}/benefit-model/items", response=write(BenefitItemOut, 201),
             auth=WRITE_AUTH, summary="Add a cost or a gain to the benefit model")
def benefit_item_create(request, slug: Slug, payload: BenefitItemIn):
    model = _benefit_model(_solution(slug))
    item = services.benefit_item_save(actor=actor(request), model=model, data=payload.dict())
    return Status(201, item)


@router.patch("/benefit-items/{id}", response=write(BenefitItemOut), auth=WRITE_AUTH,
              summary="Change a cost or a gain (the secretariat)")
def benefit_item_update(request, id: Id, payload: BenefitItemPatchIn):
    item = get_object_or_404(BenefitItem.objects.select_related("model"), pk=id)
    data = payload.dict(exclude_unset=True)
    return services.benefit_item_save(actor=actor(request), model=item.model, data=data,
                                      item=item)


@router.delete("/benefit-items/{id}", response=write(None, 204), auth=WRITE_AUTH,
               summary="Remove a cost or a gain (the secretariat)")
def benefit_item_delete(request, id: Id):
    item = get_object_or_404(BenefitItem, pk=id)
    services.benefit_item_delete(actor=actor(request), item=item)
    return Status(204, None)


@decorate_view(public_read)
@router.get("/solutions/{slug}/history", response=read(list[ChangeOut]),
            summary="Change history of a catalogue entry")
@paginate(PagePagination)
def solution_history(request, slug: Slug):
    return ChangeLog(_solution(slug), viewer=reader(request))
