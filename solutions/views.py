"""Pages of common solutions, open to everyone: the catalogue, a solution's diffusion (curve,
breakdowns, laggards, "who near me"), the grid of all members, the benefit model, a member's
profile across the catalogue, one member's adoption of one solution, and chart exports.

Every figure is "as of" a day (``?dato=``, default today): adoption is kept in business time, so
a past day is a query. Views only ask ``solutions.selectors`` and ``solutions.benefits``; the
forms of contacts and the secretariat are in ``edit_views`` (under /rediger/losninger/).
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core.access import has_perm, is_admin
from core.cache import public_page
from core.views import crumbs, history_context, history_page, paginate, url_maker
from register.models import MEMBER_KINDS, Organisation

from . import benefits, charts, forms, selectors
from .models import Adoption, AdoptionStatus, BenefitModel, Solution

HISTORY_ROWS = 50  # a member's change log for one solution on its page


def catalogue_crumb():
    return (_("Common solutions"), reverse("solutions:solution_list"))


def solution_crumb(solution):
    return (solution.name, reverse("solutions:solution_detail", args=[solution.slug]))


def _solution(slug: str) -> Solution:
    try:
        return selectors.solution_detail(slug)
    except Solution.DoesNotExist as error:
        raise Http404 from error


def _as_of(request) -> forms.AsOfForm:
    return forms.AsOfForm(request.GET or None)


def member_options(organisations, form) -> str:
    """The member choice's <option>s, built once in Python: Django's Select renders a template
    per option, which for 372 members was a fifth of the solution page."""
    selected = str(form.data.get("medlem", ""))
    choose = escape(_("Choose a member"))
    options = [f'<option value="">{choose}</option>']
    options += [f'<option value="{o.pk}"{" selected" if str(o.pk) == selected else ""}>'
                f"{escape(o.name)}</option>" for o in organisations]
    return mark_safe("".join(options))  # noqa: S308 - every text escaped above


def _status(form) -> int:
    return 400 if form.is_bound and form.errors else 200


@public_page
def solution_list(request):
    form = forms.CatalogueFilter(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    queryset = selectors.solution_list(**filters)
    page, page_size = paginate(request, queryset)
    detail_url = url_maker("solutions:solution_detail")
    solutions = list(page.object_list)
    for solution in solutions:
        solution.url = detail_url(solution.slug)
    return render(request, "solutions/solution_list.html", {
        "form": form, "page_obj": page, "solutions": solutions,
        "members": Organisation.objects.current().filter(kind__in=MEMBER_KINDS).count(),
        "may_manage": has_perm(request.user, "solutions.manage"),
        "crumbs": crumbs(catalogue_crumb()),
    }, status=_status(form))


def _diffusion(request, solution):
    """What the solution page and its exports share: the day asked for and every member's
    status that day."""
    form = _as_of(request)
    on = form.on
    rows = selectors.statuses(solution, on)
    return form, on, rows


@public_page
def solution_detail(request, solution_slug: str):
    """The entry, its adoption curve and status counts on a day, and its benefits in brief.
    Breakdowns, laggards and "who near me" are on the spread page; every member on the grid
    page (each reads all 372 members' statuses; this page needs only the curve)."""
    solution = _solution(solution_slug)
    form = _as_of(request)
    on = form.on
    points = selectors.curve(solution, until=on)
    labels = selectors.status_labels()
    last = points[-1] if points else None
    return render(request, "solutions/solution_detail.html", {
        "solution": solution, "form": form, "on": on, "points": points, "last": last,
        "counts": [(labels[s], last.counts[s] if last else None, s) for s in labels],
        "curve_chart": charts.curve(solution, points) if points else None,
        "may_manage": has_perm(request.user, "solutions.manage"),
        "benefit": _benefit_summary(solution),
        "crumbs": crumbs(catalogue_crumb(), solution_crumb(solution)),
        **history_context(solution, show_actors=is_admin(request.user),
                          history_url=reverse("solutions:solution_history",
                                              args=[solution.slug])),
    }, status=_status(form))


@public_page
def solution_spread(request, solution_slug: str):
    """Where the solution has spread on a day: by county, network or size class; the
    laggards; and, for a chosen member, who near it is in production."""
    solution = get_object_or_404(Solution, slug=solution_slug)
    form, on, rows = _diffusion(request, solution)
    groups = selectors.breakdown(rows, form.breakdown)
    member = form.cleaned_data.get("medlem") if form.is_valid() else None
    return render(request, "solutions/solution_spread.html", {
        "solution": solution, "form": form, "on": on, "groups": groups,
        "breakdown": form.breakdown,
        "breakdown_chart": charts.breakdown(solution, groups, form.breakdown),
        "laggards": selectors.laggards(rows), "member": member,
        "near": selectors.near(rows, member) if member else None,
        "member_options": member_options([row.organisation for row in rows], form),
        "signed_in": request.user.is_authenticated,
        "crumbs": crumbs(catalogue_crumb(), solution_crumb(solution),
                         (_("Spread"), request.path)),
    }, status=_status(form))


def _benefit_summary(solution):
    try:
        model = solution.benefit_model
    except BenefitModel.DoesNotExist:
        return None
    items = list(model.items.all())
    if not items:
        return {"model": model, "appraisal": None}
    return {"model": model,
            "appraisal": benefits.appraise(model, items, benefits.sector_drivers())}


@public_page
def solution_members(request, solution_slug: str):
    """All members on a day: a grid coloured *and* patterned by status, and the same as a
    table (the accessible alternative, also for screen readers)."""
    solution = get_object_or_404(Solution, slug=solution_slug)
    form = _as_of(request)
    on = form.on
    rows = selectors.statuses(solution, on, networks=False)
    grid = charts.grid(solution, rows, on)  # also sets each row's since_text
    adoption_url = url_maker("solutions:adoption_detail", solution.slug)
    labels = selectors.status_labels()
    table = member_rows(rows, labels, url=adoption_url,
                        contacts=request.user.is_authenticated)
    return render(request, "solutions/solution_members.html", {
        "solution": solution, "form": form, "on": on, "rows": table, "member_count": len(rows),
        "counts": [(labels[s], n, s) for s, n in selectors.status_counts(rows).items()],
        "grid": grid,
        "crumbs": crumbs(catalogue_crumb(), solution_crumb(solution),
                         (_("All members"), request.path)),
    }, status=_status(form))


def member_rows(rows, labels, *, url, contacts: bool) -> str:
    """The rows of the members table (solution_members.html) as HTML, every value escaped.

    Built here rather than in the template, as ``core.views.history_rows``: 372 rows through
    the template language were half of the page's time.
    """
    none = "–"
    out = []
    for row in rows:
        organisation, adoption = row.organisation, row.adoption
        county = escape(organisation.county.short_name) if organisation.county else none
        role = escape(adoption.contact_role) if adoption and adoption.contact_role else none
        if contacts and adoption and adoption.contact:
            role += f" ({escape(adoption.contact.name)})"
        out.append(
            f'<tr><th scope="row"><a class="ds-link" href="{url(organisation.pk)}">'
            f"{escape(organisation.name)}</a></th><td>{county}</td>"
            f'<td><span class="status-swatch status-swatch--{row.status}" aria-hidden="true">'
            f"</span>{escape(labels[row.status])}</td>"
            f'<td class="nowrap">{row.since_text or none}</td><td>{role}</td></tr>')
    return mark_safe("\n".join(out))  # noqa: S308 (every value above is escaped)


@public_page
def solution_benefits(request, solution_slug: str):
    """The benefit model: cash flows per actor and year, NPV, payback, who pays and who gains,
    the sensitivity of each item, realised gains from adoption so far, and a member's share."""
    solution = get_object_or_404(Solution.objects.select_related("benefit_model"),
                                 slug=solution_slug)
    try:
        model = solution.benefit_model
    except BenefitModel.DoesNotExist:
        model = None
    form = _as_of(request)
    context = {"solution": solution, "model": model, "form": form,
               "member_options": member_options(selectors.member_names(timezone.localdate()),
                                                form),
               "may_manage": has_perm(request.user, "solutions.manage"),
               "crumbs": crumbs(catalogue_crumb(), solution_crumb(solution),
                                (_("Benefits"), request.path))}
    if model is not None:
        items = list(model.items.all())
        context.update(benefits_context(solution, model, items, form))
    return render(request, "solutions/solution_benefits.html", context, status=_status(form))


def benefits_context(solution, model, items, form) -> dict:
    member = form.cleaned_data.get("medlem") if form.is_valid() else None
    result = benefits.report(solution, model, items, member=member)
    context = {"items": items, "sector": result.sector, "appraisal": result.appraisal}
    if result.appraisal is None:
        return context
    return {
        **context, "realised": result.realised, "member": member,
        "estimate": result.estimate, "sensitivity": result.sensitivity,
        "cashflow_chart": charts.cash_flows(solution, result.appraisal),
        "sensitivity_chart": charts.sensitivity(solution, result.sensitivity,
                                                result.appraisal),
        "actors": charts.actor_rows(result.appraisal),
    }


@public_page
def member_profile(request, organisation_pk: int):
    """A member's adoption across the catalogue against its county, size class and sector."""
    organisation = get_object_or_404(Organisation.objects.select_related("county"),
                                     pk=organisation_pk, kind__in=MEMBER_KINDS)
    form = _as_of(request)
    on = form.on
    page, _size = paginate(request, selectors.catalogue_items())
    profile = selectors.member_profile(organisation, on, solutions=page.object_list)
    marker = "solution-slug-marker"
    url = reverse("solutions:adoption_detail", args=[marker, organisation.pk])
    labels = selectors.status_labels()
    share = _("%(number)s%%")
    day = charts.day_formatter()
    rows = [{  # flat rows, texts made once: 200 rows through filters were most of the page
        "url": url.replace(marker, row.solution.slug), "name": row.solution.name,
        "status": row.status, "status_label": labels[row.status],
        "since": day(row.adoption.valid_from) if row.adoption else "",
        "lagging": row.status == AdoptionStatus.NOT_STARTED and row.peers["sector"] > 0.5,
        **{name: share % {"number": round(value * 100)} for name, value in row.peers.items()},
    } for row in profile]
    return render(request, "solutions/member_profile.html", {
        "organisation": organisation, "form": form, "on": on, "rows": rows, "page_obj": page,
        "total": page.paginator.count,
        "size_label": selectors.SIZE_LABELS[selectors.size_class(organisation)],
        "in_production": selectors.production_count(organisation, on),
        "crumbs": crumbs(catalogue_crumb(), (organisation.name, request.path)),
    }, status=_status(form))


@public_page
def adoption_detail(request, solution_slug: str, organisation_pk: int):
    """One member's adoption of one solution: its status periods and its change log."""
    solution = get_object_or_404(Solution, slug=solution_slug)
    organisation = get_object_or_404(Organisation, pk=organisation_pk, kind__in=MEMBER_KINDS)
    periods = list(selectors.adoption_history(solution, organisation))
    log = list(Adoption.history.filter(solution_id=solution.pk, organisation_id=organisation.pk)
               .order_by("-history_date", "-history_id")[:HISTORY_ROWS])
    return render(request, "solutions/adoption_detail.html", {
        "solution": solution, "organisation": organisation, "periods": periods, "log": log,
        "signed_in": request.user.is_authenticated,
        "show_actors": is_admin(request.user),
        "may_update": has_perm(request.user, "solutions.update_adoption", organisation),
        "may_correct": has_perm(request.user, "solutions.manage"),
        "crumbs": crumbs(catalogue_crumb(), solution_crumb(solution),
                         (organisation.name, request.path)),
    })


@public_page
def solution_history(request, solution_slug: str):
    solution = get_object_or_404(Solution, slug=solution_slug)
    return history_page(request, solution, show_actors=is_admin(request.user),
                        crumbs=crumbs(catalogue_crumb(), solution_crumb(solution)))


EXPORTS = {"kurve": "curve", "fordeling": "breakdown", "medlemmer": "grid",
           "kontantstrom": "cash_flows", "sensitivitet": "sensitivity"}


@public_page
def chart_export(request, solution_slug: str, chart: str, fmt: str):
    """A chart of the solution page as SVG or PNG, or its data as CSV (``?dato=`` and
    ``?fordeling=`` as on the page)."""
    if chart not in EXPORTS or fmt not in charts.FORMATS:
        raise Http404
    solution = get_object_or_404(Solution, slug=solution_slug)
    form = _as_of(request)
    if form.is_bound and form.errors:
        raise Http404(form.errors.as_text())
    on = form.on
    if chart == "kurve":
        built = charts.curve(solution, selectors.curve(solution, until=on))
    elif chart == "fordeling":  # only these two read every member's status
        rows = selectors.statuses(solution, on)
        built = charts.breakdown(solution, selectors.breakdown(rows, form.breakdown),
                                 form.breakdown)
    elif chart == "medlemmer":
        built = charts.grid(solution, selectors.statuses(solution, on, networks=False), on)
    else:
        try:
            model = solution.benefit_model
        except BenefitModel.DoesNotExist as error:
            raise Http404 from error
        items = list(model.items.all())
        if not items:
            raise Http404
        result = benefits.report(solution, model, items, realised=False)
        built = (charts.cash_flows(solution, result.appraisal) if chart == "kontantstrom" else
                 charts.sensitivity(solution, result.sensitivity, result.appraisal))
    return charts.export(built, fmt, f"{solution.slug}-{chart}-{on.isoformat()}")
