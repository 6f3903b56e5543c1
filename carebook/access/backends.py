"""Sign-in backend: Django's ModelBackend, and a note when a switched-off account typed its right password.

ModelBackend refuses an inactive user (``is_active=False``) exactly as it refuses a wrong password, so the
sign-in page could only say "the username or password is not right" to someone whose account was switched off.
This backend lets the page say what happened, without revealing anything to someone who does not know the
password: ModelBackend asks ``user_can_authenticate`` only after ``check_password`` succeeded, so the note is
made only for the right password. One password hash is computed per attempt either way (no timing difference
is added), the attempt still fails (django-axes counts it), and sessions of a switched-off user still end
(``get_user`` is unchanged).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

SWITCHED_OFF = "carebook_account_switched_off"


class SignInBackend(ModelBackend):
    _request: HttpRequest | None = None

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        self._request = request  # Django makes a new backend instance for each authenticate() call
        return super().authenticate(request, username=username, password=password, **kwargs)

    def user_can_authenticate(self, user: Any) -> bool:
        allowed = super().user_can_authenticate(user)
        if not allowed and self._request is not None:
            setattr(self._request, SWITCHED_OFF, True)
        return allowed


def account_switched_off(request: HttpRequest | None) -> bool:
    """Did the last sign-in attempt on this request give the right password for a switched-off account?"""
    return bool(getattr(request, SWITCHED_OFF, False))
