"""Accessibility checks run inside a page in Chromium: axe-core (vendored, see axe/README.md), and
the checks axe does not make: horizontal scrolling, header height, touch target size, visible focus.

Each function takes a Playwright page already on the page to check and returns plain problems
(strings), so that one test can gather every problem of every page before failing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from playwright import sync_api

AXE = Path(__file__).resolve().parent / "axe" / "axe.min.js"
AXE_VERSION = "4.14.1"
#: sha256 of axe.min.js as published in axe-core 4.14.1 on the npm registry (tests/support/axe/README.md).
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
MIN_TARGET = 44  # px, both ways (WCAG 2.5.5)
MAX_PHONE_HEADER = 128  # px: a fifth of a 320×640 screen
MAX_TABS = 120  # focus stops walked per page; more means a page far longer than any of Envol's


def axe_source() -> str:
    source = AXE.read_bytes()
    assert hashlib.sha256(source).hexdigest() == AXE_SHA256, (
        "tests/support/axe/axe.min.js is not the pinned file"
    )
    return source.decode()


def axe_violations(page: sync_api.Page) -> list[str]:
    """Every axe-core violation, whatever its impact. axe is injected by ``add_init_script``, which
    the page's Content-Security-Policy does not govern (the page itself is left as it is)."""
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, { resultTypes: ["violations"] });
            return result.violations.map(v => `${v.id} (${v.impact}): ${v.help} — ` +
                v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | "));
        }"""
    )
    return [f"axe {text}" for text in found]


def horizontal_scroll(page: sync_api.Page) -> list[str]:
    wide = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if wide[0] > wide[1]:
        culprits = page.evaluate(
            """() => [...document.querySelectorAll("body *")]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : ""))"""
        )
        return [f"scrolls sideways ({wide[0]} px wide for {wide[1]}): {', '.join(culprits)}"]
    return []


def header_height(page: sync_api.Page, limit: int = MAX_PHONE_HEADER) -> list[str]:
    height = page.evaluate(
        "() => document.querySelector('.site-header')?.getBoundingClientRect().height || 0"
    )
    return [f"the header is {height:.0f} px tall (at most {limit})"] if height > limit else []


def sign_out_on_one_line(page: sync_api.Page) -> list[str]:
    lines = page.evaluate(
        """() => {
            const b = [...document.querySelectorAll(".sign-out button")].find(e => e.offsetParent !== null);
            if (!b) return 0;
            const r = document.createRange(); r.selectNodeContents(b);
            return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size;
        }"""
    )
    return [f"“Sign out” takes {lines} lines"] if lines > 1 else []


_DESCRIBE = """e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
    (e.getAttribute("href") ? `[href="${e.getAttribute("href")}"]` : "") +
    ` “${(e.innerText || e.value || e.getAttribute("aria-label") || "").trim().slice(0, 30)}”`"""


def small_targets(page: sync_api.Page) -> list[str]:
    """Controls smaller than 44×44 px. A check box or a radio button counts with its label (the
    label is part of the target); links inside sentences are exempt (WCAG's inline exception)."""
    found = page.evaluate(
        f"""() => {{
            const describe = {_DESCRIBE};
            const shown = e => {{ const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 &&
                getComputedStyle(e).visibility !== "hidden"; }};
            const selector = "button, summary, select, textarea, input:not([type=hidden]), a.button, " +
                ".site-header a, .site-footer li a, .filters a, .counts a, .pages a";
            const small = [];
            for (const e of document.querySelectorAll(selector)) {{
                if (e.closest(".hp, [aria-hidden=true]")) continue;  // the honeypot is not for people
                let box = e;
                if (e.matches("input[type=checkbox], input[type=radio]")) {{
                    box = e.closest("label, .option") || (e.labels && e.labels[e.labels.length - 1]) || e;
                }} else if (e.matches("input[type=file]") && e.getBoundingClientRect().width <= 2) {{
                    box = (e.labels && e.labels[e.labels.length - 1]) || e;  // its label is the button
                }}
                if (!shown(box)) continue;
                const r = box.getBoundingClientRect();
                if (r.width < {MIN_TARGET} - 0.5 || r.height < {MIN_TARGET} - 0.5) {{
                    small.push(`${{describe(e)}} is ${{Math.round(r.width)}}×${{Math.round(r.height)}} px`);
                }}
            }}
            return small;
        }}"""
    )
    return [f"small target: {text}" for text in found]


def focus_not_shown(page: sync_api.Page) -> list[str]:
    """Tab through the page: each element that takes the focus must show it (an outline or a
    shadow). A visually hidden control (the archive's file input) shows it on its label."""
    check = f"""() => {{
        const describe = {_DESCRIBE};
        let e = document.activeElement;
        if (!e || e === document.body) return null;
        // Inside a frame (the widget's preview), the focused element is the frame's own.
        while (e.tagName === "IFRAME" && e.contentDocument && e.contentDocument.activeElement) {{
            e = e.contentDocument.activeElement;
        }}
        // Focus inside the browser's own parts of a control (a date field's calendar button): the
        // browser draws that ring itself.
        if (!e.matches(":focus")) return [describe(e), true];
        const shows = x => {{ const s = getComputedStyle(x);
            return s.outlineStyle === "auto" || (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2)
                || s.boxShadow !== "none"; }};
        const r = e.getBoundingClientRect();
        const boxes = [e];
        if (r.width <= 2 || r.height <= 2) boxes.push(...(e.labels || []));
        return [describe(e), boxes.some(shows)];
    }}"""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    problems: list[str] = []
    first = None
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        state = page.evaluate(check)
        if state is None:
            break
        name, shown = state
        if name == first:
            break  # back at the top: every stop was seen
        first = first or name
        if not shown:
            problems.append(f"focus not visible on {name}")
    return problems
