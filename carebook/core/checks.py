"""Deployment checks of our own, run by `manage.py check --deploy` beside Django's."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def demo_secret_key(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """The demo's secret key is public (it is in the source): sessions and tokens signed with it can be forged.

    Django's own check (security.W009) does not see it, as it is long and has no "django-insecure-" prefix.
    """
    if getattr(settings, "DEMO_SECRET_KEY", None) == settings.SECRET_KEY:
        return [
            Warning(
                "SECRET_KEY is the demo's key, which is published with the source.",
                hint="Set CAREBOOK_SECRET_KEY to a long random value (at least 50 characters).",
                id="carebook.W001",
            )
        ]
    return []
