"""samstyring grant-role USERNAME ROLE [--organisation NUMBER] [--body SLUG]"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from accounts import services
from accounts.models import Role, User
from core.access import SYSTEM
from register.models import Organisation
from structure.models import Body


class Command(BaseCommand):
    help = "Grant a role to a user: admin (no scope), org_contact (--organisation), " \
           "body_secretary (--body)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", choices=Role.values)
        parser.add_argument("--organisation", metavar="NUMBER",
                            help="municipality/county number or organisation number")
        parser.add_argument("--body", metavar="SLUG")

    def handle(self, *args, username, role, organisation=None, body=None, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        scope = {}
        if organisation:
            scope["organisation"] = self._organisation(organisation)
        if body:
            scope["body"] = Body.objects.filter(slug=body).first()
            if scope["body"] is None:
                raise CommandError(f"No body with slug {body!r}.")
        try:
            grant = services.role_grant_create(actor=SYSTEM, user=user, role=role, **scope)
        except (ValidationError, IntegrityError) as exc:
            raise CommandError(
                "Refused: admin takes no scope, org_contact needs --organisation, "
                f"body_secretary needs --body. ({exc})") from exc
        self.stdout.write(f"Granted: {grant}")

    def _organisation(self, number: str) -> Organisation:
        field = "org_number" if len(number) == 9 else "number"
        matches = list(Organisation.objects.current().filter(**{field: number})[:2])
        if len(matches) != 1:
            raise CommandError(f"{len(matches) or 'No'} current organisations match {number!r}.")
        return matches[0]
