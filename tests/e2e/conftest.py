"""Browser-test harness: Debian's Chromium driven by Playwright against Django's live server.

Every page a test visits is checked with axe-core (WCAG 2.2 AA tags; no serious or critical violation) at the
tablet width the round is done on (768 px) and again at a phone width (360 px), where the page must not scroll
sideways, nor at the tablet's width with text at 200 %. What axe cannot see is measured too, at both widths: every
touch target is at least 44 by 44 px (on the round and the recording pages, every one; elsewhere, every one but a
link inside a sentence, WCAG's "inline" exception), an error summary has the focus when its page loads, and no two
pages a test visits share a title. Any console error, uncaught script error or Content-Security-Policy violation
fails the test.

Never run ``playwright install``: it downloads a browser and fails here. Chromium comes from Debian.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright, expect, sync_playwright

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parent.parent
AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TABLET = {"width": 768, "height": 1024}
PHONE = {"width": 360, "height": 740}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING_IMPACTS = {"serious", "critical"}

# Chromium logs "Failed to load resource: the server responded with a status of 422" for a page whose
# *document* answered 4xx on purpose (a form that failed validation, a refused dose). Those are expected
# answers, not broken pages; a failed sub-resource (a missing stylesheet, script or image) still fails the test.
FAILED_LOAD = re.compile(r"^Failed to load resource: the server responded with a status of (\d+)")

_AXE_RUN = """
async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({target: n.target.join(" "), html: n.html.slice(0, 200), impact: n.impact})),
  }));
}
"""

# The pages where a care worker taps at pace: every target counts, links in sentences too.
STRICT_TARGET_PAGES = re.compile(
    r"^/(round/|locations/[^/]+/round/|doses/[^/]+/record/|prescriptions/[^/]+/give/|people/[^/]+/medicines-now/)"
)
MIN_TARGET = 44  # px, both ways (WCAG 2.5.5; the NHS design system's own size)

_SMALL_TARGETS = r"""
([strict, min]) => {
  const found = [];
  const targets = document.querySelectorAll(
    "a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]"
  );
  for (const el of targets) {
    // A radio or checkbox is tapped by its whole item (the input and its label).
    const box = el.matches("input[type=radio], input[type=checkbox]")
      ? el.closest(".nhsuk-radios__item, .nhsuk-checkboxes__item") || el
      : el;
    const r = box.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (r.width === 0 || r.height === 0 || style.visibility === "hidden") continue;
    if (el.classList.contains("nhsuk-skip-link")) continue; // off the screen until focused, then full size
    if (r.right <= 0 || r.bottom <= 0) continue; // visually hidden
    if (!strict && el.tagName === "A" && style.display === "inline") {
      let block = el.parentElement; // the sentence: the nearest ancestor that is not inline (a <strong>, a <span>)
      while (block.parentElement && getComputedStyle(block).display === "inline") block = block.parentElement;
      const around = (block.textContent || "").replace(/\s+/g, " ").trim();
      const own = (el.textContent || "").replace(/\s+/g, " ").trim();
      if (around.length > own.length) continue; // a link inside a sentence
    }
    if (r.height < min - 0.5 || r.width < min - 0.5) {
      const name = (el.getAttribute("aria-label") || el.textContent || el.value || el.name || "").trim();
      const classes = el.className ? "." + String(el.className).trim().split(/\s+/).join(".") : "";
      const label = name.replace(/\s+/g, " ").slice(0, 40);
      found.push(`${el.tagName.toLowerCase()}${classes} "${label}" ${Math.round(r.width)}x${Math.round(r.height)}`);
    }
  }
  return found;
}
"""

# Once per document: the focus on load (later, the person may rightly have moved it, typing into a field).
_FOCUS_ON_SUMMARY = """
() => {
  if (window.cbFocusChecked) return null;
  const summary = document.querySelector(".nhsuk-error-summary");
  if (!summary) return null;
  return summary === document.activeElement || summary.contains(document.activeElement);
}
"""

# On a phone the header takes at most a sixth of the screen: the person's picture and allergies come first (issue 8).
HEADER_SHARE = 6
_HEADER_HEIGHT = """
() => {
  const header = document.querySelector("header.cb-header");
  return header ? {height: header.getBoundingClientRect().height, innerHeight: window.innerHeight} : null;
}
"""

_OVERFLOW = """
() => {
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "");
  const past = Array.from(document.querySelectorAll("body *"))
    .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1);
  // Those not inside a designed scroll region first; if every one is, the regions themselves.
  const loose = past.filter((el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (["auto", "scroll", "hidden", "clip"].includes(s.overflowX)) return false;
    }
    return true;
  });
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    widest: (loose.length ? loose : past).slice(0, 5).map(name),
  };
}
"""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test in tests/e2e is a browser test (deselect with -m "not browser")."""
    for item in items:
        if E2E_DIR in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    expect.set_options(timeout=10_000)  # a shared 2-core machine can be slow; a real failure still fails
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.exists():
        pytest.fail(f"axe-core is missing at {AXE_JS}: run `npm ci` in the repository root first.")
    return AXE_JS.read_text(encoding="utf-8")


@dataclass
class UI:
    """One person's browser tab: navigate, then `check()` every page (axe + width + console)."""

    page: Page
    base_url: str
    axe_source: str
    problems: list[str] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)
    checked: set[str] = field(default_factory=set)
    expected_statuses: dict[str, int] = field(default_factory=dict)
    document_statuses: dict[str, int] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)  # title -> the page that had it first

    # --- navigation --------------------------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return self.base_url + path

    def goto(self, path: str, *, check: bool = True, phone: bool = True) -> Any:
        response = self.page.goto(self.url(path))
        if check:
            self.check(phone=phone)
        return response

    @property
    def path(self) -> str:
        url = self.page.url
        return url[len(self.base_url) :] if url.startswith(self.base_url) else url

    # --- sign in / out -----------------------------------------------------------------------------------------
    def sign_in(self, username: str, password: str | None = None, *, check: bool = True) -> None:
        from carebook.testing.factories import PASSWORD

        self.goto("/sign-in/", check=check)
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password", exact=True).fill(password or PASSWORD)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state()

    def sign_out(self) -> None:
        self.page.get_by_role("button", name="Sign out").click()
        self.page.wait_for_load_state()

    # --- checks ------------------------------------------------------------------------------------------------
    def check(self, *, phone: bool = True) -> None:
        """axe-core (and the width check) on the page now shown, at its width and, unless told, at 360 px."""
        self.page.wait_for_load_state()
        self.checked.add(self._page_key(self.page.url))
        self.assert_no_console_problems()
        failures = self._focus_and_title()
        size = self.page.viewport_size or TABLET
        failures += self._axe_and_width(f"{size['width']} px")
        if size["width"] >= TABLET["width"]:  # 200 % of a phone's text is WCAG's reflow at 180 px: not asked
            failures += self._text_at_200(f"{size['width']} px")
        if phone and size["width"] != PHONE["width"]:
            self.page.set_viewport_size(PHONE)
            try:
                failures += self._axe_and_width(f"{PHONE['width']} px")
            finally:
                self.page.set_viewport_size(size)
        if os.environ.get("CAREBOOK_A11Y_REPORT"):  # a survey: every problem of every page, into one file
            with open(os.environ["CAREBOOK_A11Y_REPORT"], "a", encoding="utf-8") as out:
                test = os.environ.get("PYTEST_CURRENT_TEST", "")
                out.writelines(f"{self._title_key(self.path)}\t{f}\t{test}\n" for f in failures)
            return
        assert not failures, f"Accessibility/layout problems on {self.path}:\n" + "\n".join(failures)

    def _focus_and_title(self) -> list[str]:
        """Before anything else moves the focus: a refused form's error summary has it. And this page's title is
        its own (the round of one unit is not titled as another's)."""
        failures = []
        if self.page.evaluate(_FOCUS_ON_SUMMARY) is False:
            for _ in range(30):  # the page's module script may still be starting: give it a moment
                self.page.wait_for_timeout(100)
                if self.page.evaluate(_FOCUS_ON_SUMMARY) is not False:
                    break
            else:
                failures.append("the error summary does not have the focus (a screen reader would not hear it)")
        self.page.evaluate("() => { window.cbFocusChecked = true; }")
        title, key = self.page.title(), self._title_key(self.path)
        first = self.titles.setdefault(title, key)
        if first != key:
            failures.append(f'the title "{title}" is also the title of {first}')
        return failures

    def _text_at_200(self, where: str) -> list[str]:
        """Text at 200 % (WCAG 1.4.4): the page still fits its width."""
        self.page.evaluate("() => { document.documentElement.style.fontSize = '200%'; }")
        try:
            width = self.page.evaluate(_OVERFLOW)
        finally:
            self.page.evaluate("() => { document.documentElement.style.fontSize = ''; }")
        if width["scrollWidth"] > width["innerWidth"] + 1:
            return [
                f"[{where}, text at 200 %] page scrolls sideways: scrollWidth {width['scrollWidth']} >"
                f" {width['innerWidth']} (elements past the edge: {', '.join(width['widest']) or 'unknown'})"
            ]
        return []

    @staticmethod
    def _title_key(path: str) -> str:
        """A page, for its title: the path, and the unit of a round (other query strings choose a period or a
        month of the same page)."""
        base, _, query = path.split("#", 1)[0].partition("?")
        unit = next((part for part in query.split("&") if part.startswith("unit=")), "")
        return base + (f"?{unit}" if unit else "")

    def _axe_and_width(self, where: str) -> list[str]:
        failures: list[str] = []
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            # page.add_script_tag() would add an inline <script>, which the page's CSP (script-src 'self')
            # rightly refuses. page.evaluate() runs through the DevTools protocol, outside the page's CSP, so the
            # policy stays fully enforced for the application's own scripts (no bypass_csp needed).
            self.page.evaluate(self.axe_source)
        for v in self.page.evaluate(_AXE_RUN, AXE_TAGS):
            if v["impact"] in BLOCKING_IMPACTS:
                nodes = "; ".join(f"{n['target']} ({n['html']})" for n in v["nodes"][:5])
                failures.append(f"[{where}] axe {v['impact']}: {v['id']} - {v['help']} - {nodes}")
        strict = bool(STRICT_TARGET_PAGES.match(self.path))
        for small in self.page.evaluate(_SMALL_TARGETS, [strict, MIN_TARGET]):
            failures.append(f"[{where}] touch target under {MIN_TARGET} px: {small}")
        if (self.page.viewport_size or TABLET)["width"] <= PHONE["width"]:
            header = self.page.evaluate(_HEADER_HEIGHT)
            if header is not None and header["height"] > header["innerHeight"] / HEADER_SHARE + 0.5:
                failures.append(
                    f"[{where}] the header is {round(header['height'])} px tall, more than a {HEADER_SHARE}th of"
                    f" the {header['innerHeight']} px screen"
                )
        width = self.page.evaluate(_OVERFLOW)
        if width["scrollWidth"] > width["innerWidth"] + 1:
            failures.append(
                f"[{where}] page scrolls sideways: scrollWidth {width['scrollWidth']} > {width['innerWidth']}"
                f" (elements past the edge: {', '.join(width['widest']) or 'unknown'})"
            )
        return failures

    def expect_status(self, path_prefix: str, status: int) -> None:
        """Say that a document under this path may answer this 4xx status (a form error, a refusal)."""
        self.expected_statuses[path_prefix] = status

    def assert_no_console_problems(self) -> None:
        problems, self.problems = self.problems, []
        assert not problems, f"Browser console problems on {self.path}:\n" + "\n".join(problems)

    def assert_every_page_checked(self) -> None:
        unchecked = [u for u in dict.fromkeys(self.visited) if self._page_key(u) not in self.checked]
        assert not unchecked, f"Pages visited but never checked with axe: {unchecked}"

    # --- listeners ---------------------------------------------------------------------------------------------
    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        text = message.text
        source = (message.location or {}).get("url", "")
        failed = FAILED_LOAD.match(text)
        if failed and self._is_expected_document_status(source, int(failed.group(1))):
            return
        self.problems.append(f"console error: {text} (at {source or self.page.url})")

    def _is_expected_document_status(self, url: str, status: int) -> bool:
        if not url.startswith(self.base_url) or self.document_statuses.get(url) != status:
            return False  # only a page (document) that answered this status on purpose, never a sub-resource
        path = url[len(self.base_url) :]
        return any(path.startswith(prefix) and status == s for prefix, s in self.expected_statuses.items())

    def _on_page_error(self, error: Any) -> None:
        self.problems.append(f"uncaught script error: {error}")

    def _on_response(self, response: Any) -> None:
        if response.request.resource_type == "document":
            self.document_statuses[response.url] = response.status

    def _on_navigated(self, frame: Any) -> None:
        if frame == self.page.main_frame and frame.url.startswith(self.base_url):
            self.visited.append(frame.url)

    @staticmethod
    def _page_key(url: str) -> str:
        return url.split("#", 1)[0]

    def attach(self) -> None:
        self.page.on("console", self._on_console)
        self.page.on("pageerror", self._on_page_error)
        self.page.on("framenavigated", self._on_navigated)
        self.page.on("response", self._on_response)


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport=TABLET, locale="en-GB", timezone_id="Europe/London")
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


def _ui(context: BrowserContext, live_server: Any, axe_source: str) -> UI:
    ui = UI(page=context.new_page(), base_url=live_server.url, axe_source=axe_source)
    ui.attach()
    return ui


@pytest.fixture
def ui(context: BrowserContext, live_server: Any, axe_source: str) -> Iterator[UI]:
    """A tablet-sized tab (768 x 1024) against the live server; every page must be checked."""
    ui = _ui(context, live_server, axe_source)
    yield ui
    ui.assert_no_console_problems()
    ui.assert_every_page_checked()


@pytest.fixture
def phone_ui(browser: Browser, live_server: Any, axe_source: str) -> Iterator[UI]:
    """A phone-sized tab (360 x 740)."""
    ctx = browser.new_context(viewport=PHONE, locale="en-GB", timezone_id="Europe/London")
    ctx.set_default_timeout(15_000)
    ui = _ui(ctx, live_server, axe_source)
    yield ui
    ui.assert_no_console_problems()
    ui.assert_every_page_checked()
    ctx.close()
