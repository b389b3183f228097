"""Make (or update) a curator: a staff user in the `curators` group, optionally with an API token.

manage.py curator alice                 # asks for a password
echo "$PASSWORD" | manage.py curator alice --password-stdin
manage.py curator alice --token         # prints the token scripts send as "Token <key>"
manage.py curator bob --reviewer        # ... who may also publish (the reviewers group)
"""

import getpass
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = "Create or update a curator (staff, in the curators group); --token prints an API token."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password-stdin", action="store_true", help="Read the password from standard input."
        )
        parser.add_argument(
            "--no-password", action="store_true", help="Keep the password (or set none)."
        )
        parser.add_argument("--token", action="store_true", help="Print the user's API token.")
        parser.add_argument(
            "--reviewer",
            action="store_true",
            help="Also in the reviewers group: may publish what another curator last edited.",
        )

    @transaction.atomic
    def handle(
        self, *args, username, email, password_stdin, no_password, token, reviewer, **options
    ):
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"email": email}
        )
        if not no_password:
            password = self._password(password_stdin)
            try:
                validate_password(password, user)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
            user.set_password(password)
        user.is_staff = True
        user.save()
        groups = ["curators", "reviewers"] if reviewer else ["curators"]
        for name in groups:
            try:
                user.groups.add(Group.objects.get(name=name))
            except Group.DoesNotExist:
                raise CommandError(f"The {name} group is missing: run manage.py migrate.") from None
        verb = "Created" if created else "Updated"
        self.stderr.write(f"{verb} curator {username}.")
        if token:
            self.stdout.write(Token.objects.get_or_create(user=user)[0].key)

    def _password(self, from_stdin: bool) -> str:
        if from_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords do not match.")
        if not password:
            raise CommandError("A password is required (or pass --no-password).")
        return password
