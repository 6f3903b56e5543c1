"""Generated, non-photographic pictures for demo people: a simple drawn face with the person's initials.

Deterministic: the same name always gives the same picture (colours and features come from a hash of the
name), so a demo database rebuilt tomorrow looks the same. The SVG uses attributes only (no style element,
no script), so it is safe under the picture endpoint's strict Content-Security-Policy.
"""

from __future__ import annotations

import hashlib
from html import escape

BACKGROUNDS = ("#005eb8", "#007f3b", "#330072", "#7c2855", "#00a499", "#ae2573", "#41b6e6", "#ed8b00", "#425563")
SKIN_TONES = ("#f5d0b5", "#e8b896", "#d29f7c", "#b07850", "#8d5a3b", "#5f3b26")
HAIR_COLOURS = ("#f0f0f0", "#d8d8d8", "#b9b9b9", "#8f8f8f", "#5b4636", "#2f2a26")
CLOTHES = ("#768692", "#4c6272", "#212b32", "#ffb81c", "#78be20", "#da291c", "#006747")


def _pick(digest: bytes, index: int, options: tuple[str, ...]) -> str:
    return options[digest[index] % len(options)]


def initials_of(name: str) -> str:
    parts = [p for p in name.replace("-", " ").split() if p[:1].isalpha()]
    if not parts:
        return "?"
    letters = parts[0][0] + (parts[-1][0] if len(parts) > 1 else "")
    return letters.upper()


def avatar_svg(name: str, *, size: int = 120) -> str:
    """An identifying (not photographic) picture for ``name``: face, hair, optional glasses, initials."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    background = _pick(digest, 0, BACKGROUNDS)
    skin = _pick(digest, 1, SKIN_TONES)
    hair = _pick(digest, 2, HAIR_COLOURS)
    clothes = _pick(digest, 3, CLOTHES)
    hair_style = digest[4] % 3  # 0 short, 1 long, 2 balding
    glasses = digest[5] % 3 == 0
    label = escape(f"Drawn picture for {name}", quote=True)
    initials = escape(initials_of(name))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 120" width="{size}" height="{size}" '
        f'role="img" aria-label="{label}">',
        f"<title>{label}</title>",
        f'<rect width="120" height="120" rx="8" fill="{background}"/>',
        # shoulders
        f'<path d="M18 120 C22 92 40 84 60 84 C80 84 98 92 102 120 Z" fill="{clothes}"/>',
    ]
    if hair_style == 1:  # long hair behind the face
        parts.append(f'<path d="M30 62 C28 28 92 28 90 62 L92 88 L28 88 Z" fill="{hair}"/>')
    parts += [
        f'<rect x="52" y="70" width="16" height="16" fill="{skin}"/>',
        f'<ellipse cx="60" cy="54" rx="24" ry="28" fill="{skin}"/>',
    ]
    if hair_style == 0:  # short hair on top
        parts.append(f'<path d="M35 50 C34 24 86 24 85 50 C78 38 42 38 35 50 Z" fill="{hair}"/>')
    elif hair_style == 2:  # balding: hair at the sides
        parts.append(f'<path d="M36 56 C34 44 38 40 40 40 L41 58 Z M84 56 C86 44 82 40 80 40 L79 58 Z" fill="{hair}"/>')
    else:
        parts.append(f'<path d="M36 48 C38 28 82 28 84 48 C74 40 46 40 36 48 Z" fill="{hair}"/>')
    parts += [
        '<circle cx="51" cy="54" r="2.6" fill="#212b32"/>',
        '<circle cx="69" cy="54" r="2.6" fill="#212b32"/>',
        '<path d="M51 68 Q60 74 69 68" stroke="#212b32" stroke-width="2" fill="none" stroke-linecap="round"/>',
    ]
    if glasses:
        parts.append(
            '<g fill="none" stroke="#212b32" stroke-width="2"><circle cx="51" cy="54" r="7"/>'
            '<circle cx="69" cy="54" r="7"/><path d="M58 54 L62 54"/></g>'
        )
    parts += [
        '<rect x="78" y="96" width="38" height="20" rx="4" fill="#ffffff"/>',
        f'<text x="97" y="111" font-family="Arial, sans-serif" font-size="13" font-weight="bold" '
        f'text-anchor="middle" fill="#212b32">{initials}</text>',
        "</svg>",
    ]
    return "".join(parts)
