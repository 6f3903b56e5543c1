from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseBase
from django.views.decorators.http import require_POST

from carebook.access.backends import account_switched_off


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


@require_POST
def sign_out(request: HttpRequest) -> HttpResponseBase:
    """One tap: ends the session on this device (a POST, so a link cannot sign someone out)."""
    return auth_views.LogoutView.as_view(next_page="access:sign_in")(request)
