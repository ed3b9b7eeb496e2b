"""Every non-trivial read of the structure."""

from django.db.models import Count, Prefetch, QuerySet

from .models import Body, BodyKind, Membership, Seat


def body_list() -> QuerySet:
    return Body.objects.current().select_related("parent", "owner")


def current_memberships() -> QuerySet:
    return Membership.objects.current().select_related("person", "organisation", "seat")


def body_detail(*, slug: str) -> Body:
    seats = Seat.objects.prefetch_related(
        Prefetch("memberships",
                 queryset=current_memberships().select_related("organisation__county"),
                 to_attr="current_memberships")
    ).order_by("sort_order", "id")
    return (
        Body.objects.select_related("parent", "owner")
        .prefetch_related(Prefetch("seats", queryset=seats), "children")
        .get(slug=slug)
    )


def model_tree() -> list[dict]:
    """The bodies as a tree of {body, children} from the roots down, for the model diagram.

    External bodies (the state's councils where the sector is represented) are not part of the
    model and not drawn; their sector seats are on the representation pages."""
    bodies = [b for b in body_list() if b.kind != BodyKind.EXTERNAL_BODY]
    by_parent: dict = {}
    for body in bodies:
        by_parent.setdefault(body.parent_id, []).append(body)
    ids = {b.pk for b in bodies}

    def build(parent_id, depth=0):
        if depth > 20:
            return []
        return [
            {"body": b, "children": build(b.pk, depth + 1)} for b in by_parent.get(parent_id, [])
        ]

    roots = [b for b in bodies if b.parent_id is None or b.parent_id not in ids]
    return [{"body": b, "children": build(b.pk)} for b in roots]


def memberships_of_organisation(*, organisation) -> QuerySet:
    return current_memberships().filter(organisation=organisation).select_related("seat__body")


def memberships_of_person(*, person) -> QuerySet:
    return Membership.objects.filter(person=person).select_related("seat__body", "organisation")


def member_counts() -> dict[int, int]:
    """Number of people currently holding a seat in each body (secretaries not counted)."""
    rows = (
        Membership.objects.current().exclude(seat__role="secretary")
        .values("seat__body_id").annotate(n=Count("person_id", distinct=True))
        .values_list("seat__body_id", "n")
    )
    return dict(rows)


def model_diagram() -> list[dict]:
    """``model_tree()`` with each node's ``member_count``: two queries for the whole diagram."""
    counts = member_counts()
    tree = model_tree()

    def annotate(nodes):
        for node in nodes:
            node["member_count"] = counts.get(node["body"].pk, 0)
            annotate(node["children"])

    annotate(tree)
    return tree


def seat_list(*, body: Body | None = None) -> QuerySet:
    seats = Seat.objects.select_related("body").order_by("body__sort_order", "body__name",
                                                         "sort_order", "id")
    return seats.filter(body=body) if body is not None else seats


def membership_list(*, body: Body | None = None, organisation=None,
                    current: bool | None = None) -> QuerySet:
    """Memberships, optionally of one body or organisation; ``current`` True: valid today,
    False: not valid today (ended or not yet begun), None: all."""
    memberships = Membership.objects.select_related(
        "seat__body", "person", "organisation"
    ).order_by("seat__body__sort_order", "seat__body__name", "seat__sort_order", "seat_id",
               "-valid_from", "id")
    if body is not None:
        memberships = memberships.filter(seat__body=body)
    if organisation is not None:
        memberships = memberships.filter(organisation=organisation)
    if current is True:
        memberships = memberships.current()
    elif current is False:
        memberships = memberships.exclude(pk__in=Membership.objects.current().values("pk"))
    return memberships
