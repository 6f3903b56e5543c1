"""Where a patch or an injection goes: the body map, rotation, and the old patch taken off (issue 8); where a cream
or an ointment goes: the prescription's areas.

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
# Where a cream or an ointment goes: the areas a prescription names, and a care worker confirms at each application.
TOPICAL_AREAS: tuple[str, ...] = (
    "face",
    "scalp",
    "neck",
    "chest",
    "abdomen",
    "back",
    "buttocks",
    "groin and perineum",
    "left arm",
    "right arm",
    "left hand",
    "right hand",
    "left leg",
    "right leg",
    "left foot",
    "right foot",
    "whole body",
)
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


def topical_area(text: str) -> str:
    """The list's own words for a body area ("Left Leg" is the left leg); "" if not on it."""
    wanted = " ".join(text.split()).lower()
    return next((area for area in TOPICAL_AREAS if area == wanted), "")


def all_areas_text(areas: Sequence[str]) -> str:
    return "all the prescribed areas: " + " and ".join(areas)


def applied_choices(apply_to: Sequence[str]) -> list[str]:
    """What a care worker may say a topical went on: the prescription's areas (and all of them at once, when there are
    several); with none prescribed, any area of the list."""
    if not apply_to:
        return list(TOPICAL_AREAS)
    return ([all_areas_text(apply_to)] if len(apply_to) > 1 else []) + list(apply_to)


def applied_rows(apply_to: Sequence[str]) -> list[SiteRow]:
    return [SiteRow(choice, True, "") for choice in applied_choices(apply_to)]


def applied_text(apply_to: Sequence[str], how_label: str) -> str:
    """The prescription's rule in words, for the recording page: where, and how thickly."""
    where = " and ".join(apply_to) if apply_to else "where the directions say"
    return f"Apply to the {where}" + (f". {how_label}" if how_label else "")


def check_applied(*, apply_to: Sequence[str], site: str) -> str:
    """A cream or an ointment given: where it went, one of ``applied_choices`` (returned in the list's words)."""
    wanted = " ".join(site.split()).lower()
    if not wanted:
        raise ValidationFailed("Choose where you applied it.", field="site")
    choices = applied_choices(apply_to)
    found = next((choice for choice in choices if choice == wanted), "")
    if not found:
        where = " and ".join(apply_to)
        message = (
            f"It is prescribed for the {where}: choose one of those. If it went elsewhere, tell a senior."
            if apply_to
            else "Choose the area from the list."
        )
        raise ValidationFailed(message, field="site", code="area_not_prescribed")
    return found


def clean_areas(values: Sequence[str]) -> tuple[list[str], list[str]]:
    """A prescription's areas in the list's words and order, and the values that are not areas of the list."""
    chosen = {topical_area(v) for v in values}
    unknown = [v for v in values if not topical_area(v)]
    return [area for area in TOPICAL_AREAS if area in chosen], unknown


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
