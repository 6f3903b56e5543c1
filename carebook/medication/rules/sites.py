"""Where a patch or an injection goes: the body map, rotation, and the old patch taken off (issue 8).

A patch on the same skin twice running irritates it and changes how much of the medicine gets through (the SPCs of
buprenorphine and fentanyl patches: a new site each time, not the same one for several weeks); an old patch left on
beside the new one doubles the dose of an opioid. So the site is chosen from a list, the sites used for the last
``gap`` applications of the medicine are refused (the prescription's rule; by default the last one), and a new patch
records that the old one came off, or that it was not found.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from carebook.core.errors import ValidationFailed
from carebook.medication.vocab import MedicineForm, OldPatch

# The body map, per form: the sites the manufacturers name for patches, the usual ones for injections under the skin.
BODY_SITES: dict[str, tuple[str, ...]] = {
    MedicineForm.PATCH: (
        "left upper arm",
        "right upper arm",
        "left upper chest",
        "right upper chest",
        "left upper back",
        "right upper back",
        "left side of chest",
        "right side of chest",
    ),
    MedicineForm.INJECTION: (
        "left abdomen",
        "right abdomen",
        "left thigh",
        "right thigh",
        "left upper arm",
        "right upper arm",
    ),
}
# With no rule on the prescription: not the site used last time.
DEFAULT_SITE_GAP = 1
MAX_SITE_GAP = 7  # one fewer than the patch sites: there must always be a site left


def sites_for(form: str) -> tuple[str, ...]:
    return BODY_SITES.get(form, ())


def canonical(form: str, text: str) -> str:
    """The body map's own words for a site typed or chosen ("Left abdomen" is the left abdomen); "" if not on it."""
    wanted = " ".join(text.split()).lower()
    return next((site for site in sites_for(form) if site == wanted), "")


def site_gap(prescribed: int | None) -> int:
    return prescribed if prescribed else DEFAULT_SITE_GAP


def rotation_text(gap: int | None) -> str:
    """The rule in words, for the prescription and the recording page."""
    applications = site_gap(gap)
    if applications == 1:
        return "A different site from the last one each time"
    return f"Not the same site as any of the last {applications} applications"


@dataclass(frozen=True)
class SiteRow:
    """One site of the body map as the recording page offers it."""

    site: str
    allowed: bool
    used: str  # "" or why not: "used for the last application"


def site_rows(form: str, previous: Sequence[str], gap: int | None) -> list[SiteRow]:
    """The body map with the sites the rotation rule refuses marked (``previous``: the latest first)."""
    resting = list(previous[: site_gap(gap)])
    rows = []
    for site in sites_for(form):
        if site in resting:
            ago = resting.index(site)
            used = "used for the last application" if ago == 0 else f"used {ago + 1} applications ago"
            rows.append(SiteRow(site, False, used))
        else:
            rows.append(SiteRow(site, True, ""))
    return rows


def check_site(*, form: str, form_label: str, site: str, previous: Sequence[str], gap: int | None) -> None:
    """The site is on the body map, and not one the rotation rule refuses (``previous``: the latest first)."""
    what = form_label.lower()
    if not site.strip():
        raise ValidationFailed(f"Choose where the {what} went.", field="site")
    site = canonical(form, site)
    if not site:
        raise ValidationFailed(f"Choose the site of the {what} from the list.", field="site")
    resting = list(previous[: site_gap(gap)])
    if site in resting:
        ago = resting.index(site)
        when = "the last application" if ago == 0 else f"{ago + 1} applications ago"
        allowed = [s for s in sites_for(form) if s not in resting]
        raise ValidationFailed(
            f"The {site} was used for {when}. {rotation_text(gap)}: choose another site, such as the "
            f"{' or the '.join(allowed[:2])}.",
            field="site",
            code="site_not_rotated",
        )


def check_old_patch(*, last_site: str | None, old_patch: str, observations: str) -> None:
    """A new patch records what happened to the old one: taken off (from ``last_site``), or not found (say why)."""
    if last_site is None:
        return  # the first patch of this medicine: there is no old one
    if old_patch not in OldPatch.values:
        raise ValidationFailed(f"Say whether you took off the old patch (on the {last_site}).", field="old_patch")
    if old_patch == OldPatch.NOT_FOUND and not observations.strip():
        raise ValidationFailed(
            "Say what happened to the old patch (fallen off, already removed by whom): a senior must know.",
            field="observations",
        )
