"""Signing in and out, and the account's personal API tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carebook.access.backends import account_switched_off
from carebook.access.models import User
from carebook.access.policy import Action, can, require
from carebook.access.services import api_token_create, token_days
from carebook.access.services import api_token_revoke as api_token_revoke_service
from carebook.access.tokens import access_api_token_for_user, api_tokens_for_user, staff_api_tokens_for_user
from carebook.core import clock
from carebook.core.errors import DomainError


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "The username or password is not right. Check them and try again.",
        "inactive": "This account is switched off. Ask your registered manager.",
    }

    def clean(self) -> dict:
        """A switched-off account is told so only after typing its right password (see access/backends.py)."""
        try:
            return super().clean()
        except ValidationError:
            if account_switched_off(self.request):
                raise ValidationError(self.error_messages["inactive"], code="inactive") from None
            raise


class SignInView(auth_views.LoginView):
    template_name = "access/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = context["form"]
        # The error summary's links: a wrong username or password is said at the password, where it is retyped.
        context["error_summary"] = [("id_password", e) for e in form.non_field_errors()] + [
            (form[name].id_for_label, e) for name in form.fields for e in form.errors.get(name, [])
        ]
        return context


@require_POST
def sign_out(request: HttpRequest) -> HttpResponseBase:
    """One tap: ends the session on this device (a POST, so a link cannot sign someone out), and the sign-in page
    says so, so the next person on a shared tablet sees that the last one is out."""
    response = auth_views.LogoutView.as_view(next_page="access:sign_in")(request)
    messages.success(request, "You have signed out.")
    return response


# --- Personal API tokens ------------------------------------------------------------------------------------


def _token_rows(tokens: Any, now: dt.datetime) -> list[dict[str, Any]]:
    return [{"token": t, "state": t.state(now)} for t in tokens]


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """Your API tokens: make one (shown once, on this response only), list them, and a link to revoke each.

    The new token is rendered into the answer to the POST, never stored in the session or sent in a redirect;
    like every page, the answer is ``Cache-Control: no-store``.
    """
    user = request.user
    assert isinstance(user, User)  # login_required
    require(user, Action.MANAGE_OWN_API_TOKENS)
    new_token = None
    status = 200
    if request.method == "POST":
        token, raw = api_token_create(user=user, by=user)
        new_token = {"token": token, "raw": raw}
        status = 201
    now = clock.now()
    context = {
        "rows": _token_rows(api_tokens_for_user(user), now),
        "new_token": new_token,
        "days": token_days(),
        "can_manage_staff": can(user, Action.MANAGE_STAFF_API_TOKENS),
    }
    return render(request, "access/api_tokens.html", context, status=status)


@login_required
@require_GET
def staff_api_tokens(request: HttpRequest) -> HttpResponse:
    """A provider admin's list of every API token of their provider's staff, with a link to revoke each."""
    user = request.user
    assert isinstance(user, User)  # login_required
    context = {"rows": _token_rows(staff_api_tokens_for_user(user), clock.now())}
    return render(request, "access/staff_api_tokens.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def api_token_revoke(request: HttpRequest, token_id: str) -> HttpResponse:
    """Revoke a token, after a confirmation page. A token out of reach is a 404."""
    user = request.user
    assert isinstance(user, User)  # login_required
    token = access_api_token_for_user(user, token_id)
    mine = token.user_id == user.pk
    back = reverse("access:api_tokens") if mine else reverse("access:staff_api_tokens")
    error = ""
    if request.method == "POST":
        try:
            api_token_revoke_service(token=token, by=user)
        except DomainError as refused:
            error = refused.message
        else:
            messages.success(request, f"The API token {token.prefix}… is revoked: it no longer works.")
            return redirect(back)
    context = {"token": token, "mine": mine, "back": back, "state": token.state(clock.now()), "error": error}
    return render(request, "access/api_token_revoke.html", context, status=409 if error else 200)
