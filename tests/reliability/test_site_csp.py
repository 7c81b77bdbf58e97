"""The site's Content-Security-Policy, as served and as Chromium enforces it on the hostile site.

`LocalServer` sends the same policy CloudFront sends (`site.content_security_policy(header=True)`,
template.yaml's SiteHeadersPolicy), the pages carry it as a meta element too, the site runs under it
with no violation, and an injected inline script is refused. With `HOTPAPERS_X_WIDGETS=true` the policy
admits scripts from https://platform.twitter.com only: a stand-in widgets.js (served through
Playwright's router, as nothing leaves this machine) runs, an inline script and a script from another
https origin are refused. The hostile site and its pages: tests/support/hostile_site.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Route

from hotpapers.publish.site import content_security_policy
from hotpapers_local.provision import load_template
from tests.support import ledger
from tests.support.hostile_site import (
    EXPORTS,
    HTML_PAGES,
    WIDGETS_URL,
    HostileSite,
    Report,
    audit,
    watched,
)

pytestmark = [pytest.mark.reliability, pytest.mark.integration, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
# A stand-in for X's widgets.js: does what the real one does to the page (an iframe from
# platform.twitter.com in place of each post card, sized through the CSSOM) and says it ran.
WIDGETS_STUB = """
window.__widgetsRan = true;
for (const card of document.querySelectorAll('blockquote.twitter-tweet')) {
  const frame = document.createElement('iframe');
  frame.src = 'https://platform.twitter.com/embed/Tweet.html?id=1';
  frame.title = 'X Post';
  frame.style.width = '100%';
  frame.style.height = '200px';
  card.replaceWith(frame);
}
"""


# Counts the page's CSP refusals, so a test waits for them instead of for a fixed time.
COUNT_CSP_VIOLATIONS_JS = """
() => {
  window.__cspViolations = 0;
  document.addEventListener('securitypolicyviolation', () => { window.__cspViolations += 1; });
}
"""


def template_csp() -> dict[bool, str]:
    """The Content-Security-Policy template.yaml's CloudFront ResponseHeadersPolicy sends, by XWidgets value."""
    resources = load_template(ROOT / "template.yaml")["Resources"]
    behaviour = resources["SiteDistribution"]["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "SiteHeadersPolicy"}
    policy = resources["SiteHeadersPolicy"]
    assert policy["Type"] == "AWS::CloudFront::ResponseHeadersPolicy" and policy["Condition"] == "HasCdn"
    csp = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["ContentSecurityPolicy"]
    assert csp["Override"] is True
    condition, widgets, plain = csp["ContentSecurityPolicy"]["Fn::If"]
    assert condition == "HasXWidgets"
    return {True: widgets, False: plain}


def test_the_server_sends_the_sites_csp_and_it_refuses_inline_script(
    browser: Browser, hostile_site: HostileSite, reports: dict[str, Report]
) -> None:
    header_policy = content_security_policy(False, header=True)
    assert "script-src" not in header_policy and "default-src 'none'" in header_policy  # no script at all
    assert template_csp()[False] == header_policy  # what CloudFront sends is what the local server sends
    for name, report in reports.items():
        if name in HTML_PAGES or name in EXPORTS:
            assert report.csp_header == header_policy, (name, report.csp_header)

    report = Report("inline script injected")
    page = watched(browser, hostile_site.url, report)
    try:
        page.goto(hostile_site.url + HTML_PAGES["day page"])
        meta = page.locator("meta[http-equiv=Content-Security-Policy]").get_attribute("content")
        page.evaluate(COUNT_CSP_VIOLATIONS_JS)
        page.evaluate(
            """() => {
                const s = document.createElement('script');
                s.textContent = 'window.__pwned = "inline"';
                document.head.append(s);
                const img = document.createElement('img');
                img.setAttribute('src', 'x');
                img.setAttribute('onerror', 'window.__pwned = "handler"');
                document.body.append(img);
            }"""
        )
        # The policy refused both (the inline script and the inline handler) before they could run.
        page.wait_for_function("window.__cspViolations >= 2")
        pwned = page.evaluate("window.__pwned")
    finally:
        page.context.close()
    assert meta == content_security_policy(False)
    assert pwned is None
    violations = [e for e in report.console_errors if "Content Security Policy" in e]
    assert len(violations) >= 2, report.console_errors  # the inline script, and the image (img-src 'self' only)
    pages_checked = sum(1 for name in reports if name in HTML_PAGES or name in EXPORTS)
    ledger.record(
        "findings",
        finding=(
            "No Content-Security-Policy response header: the pages carried only a `<meta>` policy (which cannot "
            "set frame-ancestors); the local server sent none and CloudFront used the managed "
            "SecurityHeadersPolicy, which has no CSP"
        ),
        fix=(
            "site.content_security_policy(header=True) is sent by LocalServer on every site response and by a "
            "new AWS::CloudFront::ResponseHeadersPolicy (SiteHeadersPolicy, the managed policy's headers + CSP) "
            "on the distribution's default behaviour; the meta element stays for hosting without CloudFront"
        ),
        test="tests/reliability/test_site_csp.py::test_the_server_sends_the_sites_csp_and_it_refuses_inline_script",
    )
    ledger.record(
        "hostile_text",
        field="CSP",
        payload=f"`{header_policy}`",
        pages_checked=pages_checked,
        scripts_run=0,
        dialogs=0,
        console_errors=0,
        unsafe_urls=0,
        notes=(
            f"an injected inline script and inline handler were refused ({len(violations)} violations reported); "
            "the same header from LocalServer and template.yaml's SiteHeadersPolicy (CloudFront), "
            "a meta element on every page; the site itself raised no violation"
        ),
    )


def test_with_x_widgets_the_csp_admits_platform_twitter_com_only(browser: Browser, hostile_site: HostileSite) -> None:
    fulfilled: list[str] = []

    def allow(route: Route) -> bool:
        url = route.request.url
        if url == WIDGETS_URL:
            route.fulfill(status=200, content_type="text/javascript", body=WIDGETS_STUB)
        elif url.startswith("https://platform.twitter.com/embed/"):
            route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>X Post</title><p>post")
        elif url == "https://cdn.example.org/evil.js":
            route.fulfill(status=200, content_type="text/javascript", body="window.__pwned = 'other origin'")
        else:
            return False
        fulfilled.append(url)
        return True

    report = Report("widgets day page")
    page = watched(browser, hostile_site.widgets_url, report, allow=allow)
    try:
        response = page.goto(hostile_site.widgets_url + HTML_PAGES["day page"], wait_until="load")
        assert response is not None and response.status == 200
        header = response.headers.get("content-security-policy")
        page.wait_for_function("window.__widgetsRan === true")
        frames = page.locator("iframe[src^='https://platform.twitter.com/embed/']").count()
        audit(page, report)
        clean_load = list(report.console_errors)
        page.evaluate(COUNT_CSP_VIOLATIONS_JS)
        page.evaluate(
            """() => {
                const inline = document.createElement('script');
                inline.textContent = 'window.__pwned = "inline"';
                document.head.append(inline);
                const other = document.createElement('script');
                other.src = 'https://cdn.example.org/evil.js';
                document.head.append(other);
            }"""
        )
        # The policy refused both scripts (the inline one and the one from another origin).
        page.wait_for_function("window.__cspViolations >= 2")
        pwned = page.evaluate("window.__pwned")
    finally:
        page.context.close()

    assert header == content_security_policy(True, header=True) == template_csp()[True]
    script_src = next(d.strip() for d in header.split(";") if d.strip().startswith("script-src"))
    assert script_src == "script-src https://platform.twitter.com", script_src
    assert frames == 3  # the three X posts of the hostile day became embeds
    assert clean_load == [] and report.page_errors == [] and report.dialogs == []
    assert report.audit["scripts"] == [WIDGETS_URL], report.audit["scripts"]
    assert report.audit["onAttrs"] == [] and report.audit["unsafeUrls"] == []
    assert pwned is None
    assert "https://cdn.example.org/evil.js" not in fulfilled  # refused by the policy before any request
    violations = [e for e in report.console_errors if "Content Security Policy" in e]
    # Each refusal is reported once per policy (the header's and the page's meta element).
    assert any("inline script" in e for e in violations), violations
    assert any("cdn.example.org/evil.js" in e for e in violations), violations
    ledger.record(
        "findings",
        finding=(
            "With X widgets on, the policy allowed scripts from 'self' and https://cdn.syndication.twimg.com "
            "and frames from any https origin, more than widgets.js needs"
        ),
        fix="script-src and frame-src are exactly https://platform.twitter.com (inline style stays allowed: site.py)",
        test="tests/reliability/test_site_csp.py::test_with_x_widgets_the_csp_admits_platform_twitter_com_only",
    )
    ledger.record(
        "hostile_text",
        field="CSP with X widgets",
        payload=f"`{script_src}`",
        pages_checked=1,
        scripts_run=0,
        dialogs=0,
        console_errors=0,
        unsafe_urls=0,
        notes=(
            "a stand-in widgets.js from platform.twitter.com ran and embedded the 3 X posts without a violation; "
            "an inline script and a script from another https origin were refused"
        ),
    )
