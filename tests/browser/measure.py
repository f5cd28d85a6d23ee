"""What the browser tests measure in a page: accessibility (axe), layout shift, reflow, the offline state."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]

# Installed before any page script runs: every layout shift not caused by the reader's own input, with the
# elements that moved (the way Chromium's cumulative layout shift counts them).
LAYOUT_SHIFT_OBSERVER = """
window.__layoutShifts = [];
const kinfoNodeName = (node) => node ? node.nodeName + (node.id ? '#' + node.id : '') + '.' + node.className : '?';
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.hadRecentInput) continue;
    const moved = (entry.sources || []).map((source) => kinfoNodeName(source.node));
    window.__layoutShifts.push({ value: entry.value, moved });
  }
}).observe({ type: 'layout-shift', buffered: true });
"""

# Every element that sticks out of the viewport sideways, or whose content is cut by its own box, leaving
# out what is meant to be off screen (visually hidden text, the skip link) and what scrolls on its own.
CUT_OR_SIDEWAYS = """() => {
  const width = document.documentElement.clientWidth, problems = [];
  const offScreen = (el) => el.closest('.visually-hidden, .skip-link, template, [hidden], details:not([open]) > nav');
  const scrollsItself = (el) => { for (let p = el.parentElement; p; p = p.parentElement) {
    const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll') return true; } return false; };
  const nameOf = (el) => el.nodeName + (el.id ? '#' + el.id : '')
    + (typeof el.className === 'string' && el.className ? '.' + el.className : '');
  for (const el of document.body.querySelectorAll('*')) {
    if (offScreen(el) || scrollsItself(el)) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden' || style.position === 'fixed') continue;
    // Clipped to nothing on purpose, for screen readers only (the crisis strip's heading on a phone).
    if (style.clip === 'rect(0px, 0px, 0px, 0px)') continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.left < -1 || box.right > width + 1) {
      problems.push(nameOf(el) + ' sticks out: ' + Math.round(box.left) + '..' + Math.round(box.right));
    }
    const clips = ['hidden', 'clip'].includes(style.overflowX) || ['hidden', 'clip'].includes(style.overflowY);
    const cut = el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
    if (clips && cut) problems.push(nameOf(el) + ' is cut');
  }
  const pageWidth = document.documentElement.scrollWidth;
  if (pageWidth > width) problems.push('the page scrolls sideways: ' + pageWidth);
  return problems;
}"""


def axe_violations(page, within: str | None = None) -> list[dict]:
    """axe's WCAG 2.2 AA violations on the page as it is now, or only within the part the selector names."""
    result = Axe().run(page, context=within, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    return [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:3]} for v in result.response["violations"]]


def layout_shifts(page) -> list[dict]:
    """The layout shifts recorded so far on this page (needs LAYOUT_SHIFT_OBSERVER as an init script)."""
    return page.evaluate("() => window.__layoutShifts")


def cut_or_sideways(page) -> list[str]:
    """What reflows badly on the page: anything cut, anything out of the viewport sideways."""
    return page.evaluate(CUT_OR_SIDEWAYS)


def wait_until_saved_offline(page, timeout: int = 30000) -> None:
    """Wait until the service worker controls the page and the offline panel says this language is saved."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=timeout)
    page.wait_for_function("() => document.querySelector('#offline-panel [data-state=\"saved\"]')?.hidden === false",
                           timeout=timeout)
