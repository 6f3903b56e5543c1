"""manage.py create_api_token USERNAME: a personal API token, printed once and stored hashed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from carebook.access.models import User
from carebook.access.services import api_token_create


class Command(BaseCommand):
    help = "Create a personal API token for USERNAME and print it once (only its hash is stored)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="The member of staff the token acts as.")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user called {username!r}.")
        if not user.is_active:
            raise CommandError(f"{username!r} is not an active user: no token was made.")
        token, raw = api_token_create(user=user)
        self.stdout.write(raw)
        self.stderr.write(
            f"API token {token.prefix}… for {user.display_name} ({user.get_role_display()}). "
            "It is shown only now: keep it safe. Send it as 'Authorization: Bearer <token>'."
        )
