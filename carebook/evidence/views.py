"""The evidence pack pages: a location's packs (ask for one; each with its progress, polled while it builds) and
the downloads. The registered manager's (``BUILD_EVIDENCE_PACK``); another location's pack is 404."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from carebook.access.http import AuthenticatedRequest
from carebook.access.policy import Action, require
from carebook.core import clock
from carebook.core.errors import DomainError, NotFound, PermissionDenied
from carebook.evidence import services
from carebook.evidence.access import access_pack_for_user
from carebook.evidence.download import pack_file_response
from carebook.evidence.forms import PackForm
from carebook.evidence.models import EvidencePack
from carebook.evidence.vocab import PackStatus
from carebook.organisations.models import Location
from carebook.people.access import access_location_for_user
from carebook.people.models import Person

POLL_SECONDS = 2


def _people(location: Location) -> list[tuple[str, str]]:
    rows = Person.objects.filter(location=location).order_by("family_name", "given_name")
    return [(str(p.pk), f"{p.family_name}, {p.given_name}") for p in rows]


def _packs_context(location: Location) -> dict[str, object]:
    """The list of a location's packs (the page's and its polled fragment's), polled only while one is building."""
    packs = list(EvidencePack.objects.filter(location=location).select_related("requested_by").defer("pdf", "zip")[:20])
    return {
        "location": location,
        "packs": packs,
        "building": any(p.status in (PackStatus.QUEUED, PackStatus.BUILDING) for p in packs),
        "fragment_url": reverse("evidence:list", args=[location.pk]),
        "poll_seconds": POLL_SECONDS,
    }


def _page(
    request: AuthenticatedRequest, location: Location, form: PackForm | None = None, status: int = 200
) -> HttpResponse:
    today = clock.today()
    last_month_end = today.replace(day=1) - dt.timedelta(days=1)
    form = form or PackForm(
        people=_people(location),
        initial={"first": last_month_end.replace(day=1).isoformat(), "last": last_month_end.isoformat()},
    )
    errors = [
        (form[name].auto_id if name != "__all__" else "maincontent", str(message))
        for name, messages_ in form.errors.items()
        for message in messages_
    ]
    return render(
        request,
        "evidence/location.html",
        {**_packs_context(location), "form": form, "errors": errors},
        status=status,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def location_packs(request: AuthenticatedRequest, location_id: str) -> HttpResponse:
    require(request.user, Action.BUILD_EVIDENCE_PACK)
    location = access_location_for_user(request.user, location_id)
    if request.method == "GET":
        return _page(request, location)
    form = PackForm(request.POST, people=_people(location))
    if not form.is_valid():
        return _page(request, location, form, status=422)
    data = form.cleaned_data
    try:
        services.evidence_pack_request(
            by=request.user,
            location_id=location.pk,
            first=data["first"],
            last=data["last"],
            person_ids=data["people"],
        )
    except DomainError as error:
        if isinstance(error, PermissionDenied):
            raise
        field = {"from": "first", "to": "last"}.get(error.field or "", error.field or "")
        form.add_error(field if field in form.fields else None, error.message)
        return _page(request, location, form, status=error.status if not isinstance(error, NotFound) else 422)
    messages.success(request, "The evidence pack is being built: it is listed below, with its progress.")
    return redirect(reverse("evidence:location", args=[location.pk]))


@login_required
@never_cache
@require_GET
def packs_fragment(request: AuthenticatedRequest, location_id: str) -> HttpResponse:
    require(request.user, Action.BUILD_EVIDENCE_PACK)
    location = access_location_for_user(request.user, location_id)
    return render(request, "evidence/packs.html", _packs_context(location))


def _download(request: AuthenticatedRequest, pack_id: str, what: str) -> HttpResponse:
    pack = access_pack_for_user(request.user, pack_id)
    if not pack.is_ready:
        raise NotFound("This evidence pack is not ready yet.")
    return pack_file_response(pack, by=request.user, what=what)


@login_required
@never_cache
@require_GET
def download_pdf(request: AuthenticatedRequest, pack_id: str) -> HttpResponse:
    return _download(request, pack_id, "pdf")


@login_required
@never_cache
@require_GET
def download_zip(request: AuthenticatedRequest, pack_id: str) -> HttpResponse:
    return _download(request, pack_id, "zip")


urlpatterns: list[URLPattern] = [
    path("evidence/locations/<str:location_id>/", location_packs, name="location"),
    path("evidence/locations/<str:location_id>/list/", packs_fragment, name="list"),
    path("evidence/<str:pack_id>/evidence-pack.pdf", download_pdf, name="pdf"),
    path("evidence/<str:pack_id>/evidence-pack.zip", download_zip, name="zip"),
]
