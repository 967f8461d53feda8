"""What the browser tests check on every page a merchant sees: that it fits the screen (no
sideways scroll, in either direction) and that axe-core finds no accessibility violation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE_VERSION = "4.14.1"
AXE_SCRIPT = Path(__file__).parent / "vendor" / f"axe-core-{AXE_VERSION}" / "axe.min.js"

# Scrolls the root to both far ends and reads where it lands: a page that fits cannot move,
# in RTL (negative scrollLeft) as in LTR. Also names the elements that stick out, so a
# failure says what to fix rather than only by how much.
_OVERFLOW_JS = """() => {
  const root = document.scrollingElement || document.documentElement;
  const width = root.clientWidth;
  const before = root.scrollLeft;
  root.scrollLeft = -100000;
  const min = root.scrollLeft;
  root.scrollLeft = 100000;
  const max = root.scrollLeft;
  root.scrollLeft = before;
  const culprits = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || (box.right <= width + 0.5 && box.left >= -0.5)) continue;
    // Only the innermost offenders: a parent is out only because its child is.
    const inner = [...el.children].some((child) => {
      const b = child.getBoundingClientRect();
      return b.width > 0 && (b.right > width + 0.5 || b.left < -0.5);
    });
    if (inner) continue;
    const classes = typeof el.className === "string" ? el.className.trim().split(/\\s+/) : [];
    const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
      classes.filter(Boolean).map((c) => "." + c).join("");
    culprits.push(`${name} [${Math.round(box.left)}..${Math.round(box.right)}]`);
    if (culprits.length >= 8) break;
  }
  return {scrollWidth: root.scrollWidth, clientWidth: width, min, max, culprits};
}"""


def overflow(page: Page) -> str | None:
    """Why the page scrolls sideways, or None when it fits its viewport."""
    found: dict[str, Any] = page.evaluate(_OVERFLOW_JS)
    if found["scrollWidth"] <= found["clientWidth"] and found["min"] == 0 == found["max"]:
        return None
    return (
        f"{found['scrollWidth']} px wide in {found['clientWidth']} px "
        f"(scrollLeft {found['min']}..{found['max']}); sticking out: "
        + ", ".join(found["culprits"])
    )


def axe_violations(page: Page, *, skip: tuple[str, ...] = ()) -> list[str]:
    """axe-core's default rule set on the page as it stands (less the rules in ``skip``):
    each violation's id, what it means and the elements at fault (at most five, each as a
    CSS selector)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    options = {"rules": {rule: {"enabled": False} for rule in skip}}
    results: dict[str, Any] = page.evaluate(
        "async (options) => await axe.run(document, options)", options
    )
    found = []
    for violation in results["violations"]:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:5]]
        found.append(f"{violation['id']} ({violation['help']}): {'; '.join(targets)}")
    return found
