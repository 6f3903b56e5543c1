"""manage.py create_api_token USERNAME [--days N]: a personal API token, printed once and stored hashed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from carebook.access.models import User
from carebook.access.services import MAX_TOKEN_DAYS, api_token_create, token_days
from carebook.core import clock
from carebook.core.errors import ValidationFailed


class Command(BaseCommand):
    help = (
        "Create a personal API token for USERNAME and print it once (only its hash is stored). "
        "It expires after CAREBOOK_API_TOKEN_DAYS days (90 by default) unless --days says otherwise."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="The member of staff the token acts as.")
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"Days until it expires (1 to {MAX_TOKEN_DAYS}; default {token_days()}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user called {username!r}.")
        if not user.is_active:
            raise CommandError(f"{username!r} is not an active user: no token was made.")
        try:
            token, raw = api_token_create(user=user, days=options["days"])
        except ValidationFailed as error:
            raise CommandError(error.message) from None
        expires = clock.to_local(token.expires_at)
        self.stdout.write(raw)
        self.stderr.write(
            f"API token {token.prefix}… for {user.display_name} ({user.get_role_display()}), "
            f"expires on {expires.day} {expires:%B %Y at %H:%M} UK time ({token.expires_at.isoformat()}). "
            "It is shown only now: keep it safe. Send it as 'Authorization: Bearer <token>'. "
            "Its owner can list and revoke it on the 'Your API tokens' page."
        )
