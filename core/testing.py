"""Test support shared by every app: deterministic factories and a query counter."""

import datetime

import factory
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import ApiToken, Role, RoleGrant, User
from register.models import Affiliation, County, Network, NetworkMembership, Organisation, Person
from structure.models import Body, Membership, Seat

# Valid, unique organisation numbers (mod-11) for test organisations.
_VALID_ORG_NUMBERS = [n for n in range(910000000, 910100000) if __import__("stdnum.no.orgnr",
                      fromlist=["x"]).is_valid(str(n))]


class CountyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = County
        django_get_or_create = ("number",)

    number = factory.Sequence(lambda n: f"{60 + n % 40:02d}")
    name = factory.Sequence(lambda n: f"Testfylke {n}")
    short_name = factory.LazyAttribute(lambda o: o.name)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = "municipality"
    number = factory.Sequence(lambda n: f"{9000 + n % 1000:04d}")
    name = factory.Sequence(lambda n: f"Testkommune {n}")
    county = factory.SubFactory(CountyFactory)
    org_number = factory.Sequence(lambda n: str(_VALID_ORG_NUMBERS[n % len(_VALID_ORG_NUMBERS)]))
    population = 1000


class NetworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Network

    name = factory.Sequence(lambda n: f"Testnettverk {n}")
    slug = factory.Sequence(lambda n: f"testnettverk-{n}")


class NetworkMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NetworkMembership

    network = factory.SubFactory(NetworkFactory)
    organisation = factory.SubFactory(OrganisationFactory)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"Testperson {n}")
    email = factory.Sequence(lambda n: f"person{n}@example.invalid")
    phone = factory.Sequence(lambda n: f"+47 400 {n:05d}")


class AffiliationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Affiliation

    person = factory.SubFactory(PersonFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    title = "Rådgiver"
    valid_from = datetime.date(2020, 1, 1)


class BodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Body

    kind = "council"
    name = factory.Sequence(lambda n: f"Testorgan {n}")
    slug = factory.Sequence(lambda n: f"testorgan-{n}")
    mandate = "Et testmandat."


class SeatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Seat

    body = factory.SubFactory(BodyFactory)
    role = "member"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    seat = factory.SubFactory(SeatFactory)
    person = factory.SubFactory(PersonFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    valid_from = datetime.date(2024, 1, 1)
    valid_to = datetime.date(2099, 1, 1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def grant(user: User, role: str, **scope) -> RoleGrant:
    return RoleGrant.objects.create(user=user, role=role, **scope)


def user_with_role(role: str, **scope) -> User:
    user = UserFactory()
    grant(user, role, **scope)
    return user


def count_queries(func) -> int:
    """The number of SQL queries ``func()`` runs."""
    with CaptureQueriesContext(connection) as ctx:
        func()
    return len(ctx.captured_queries)


def api_client(user, via: str = "token"):
    """A test client acting as ``user`` through the API: (client, extra request headers).
    ``via`` "token" sends a bearer token; "session" logs in; ``user`` None is anonymous."""
    from django.test import Client

    client = Client()
    if user is None:
        return client, {}
    if via == "session":
        client.force_login(user)
        return client, {}
    _, key = ApiToken.issue(user=user, name="test")
    return client, {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def api_send(client, method: str, url: str, data=None, **headers):
    """Call ``url`` with ``method`` and a JSON body (none for DELETE)."""
    if method == "DELETE":
        return client.delete(url, **headers)
    call = getattr(client, method.lower())
    return call(url, data or {}, content_type="application/json", **headers)


__all__ = ["Role"]
