"""The built documentation site (`make docs` -> site/): complete, offline, and readable.

The static checks read site/ directly. The browser check drives Debian's Chromium through
Playwright (``executable_path``: Playwright never downloads a browser here), serves site/ on
127.0.0.1, goes from the index to each vendor page and to one operation, checks what is shown,
and saves screenshots under .screenshots/. Every request to anything but the local server is
blocked and counted: the site must need nothing from elsewhere.

Both need the built site: they are skipped without it (`make test` builds it first). The browser
check is skipped when Chromium or Playwright is missing; `MAILDNS_CHROMIUM` overrides the path.
In CI (``CI=true``) a missing site, Chromium or Playwright fails instead: the check must run.
"""

from __future__ import annotations

import functools
import os
import re
import threading
from collections.abc import Iterator
from html import escape
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

import pytest
import yaml

from .specs import ROOT

SITE = ROOT / "site"
SCREENSHOTS = ROOT / ".screenshots"
CHROMIUM = Path(os.environ.get("MAILDNS_CHROMIUM", "/usr/bin/chromium"))

# One worker starts the browser and serves site/ once (module fixtures) for every test here.
pytestmark = [pytest.mark.xdist_group("docs_site"), pytest.mark.long]

# page (under site/), spec, title shown on the page, one operation to look for
VENDOR_PAGES = [
    ("reference/tesouro", "tesouro.yaml", "Tesouro FinOps", "createMailboxDomain"),
    ("reference/telecomx", "telecomx.yaml", "TelecomX", "createDns"),
    (
        "reference/ciirus-v2023.07.31",
        "ciirus-v2023.07.31.yaml",
        "CiiRUS v2023.07.31",
        "createSubaccount",
    ),
    (
        "reference/ciirus-v2024.07.31",
        "ciirus-v2024.07.31.yaml",
        "CiiRUS v2024.07.31",
        "createSubaccount",
    ),
]
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def _missing(reason: str) -> None:
    """Skip, except in CI (CI=true), where the site and the browser check must run."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason} (CI must run this check)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _site_is_built() -> None:
    if not (SITE / "index.html").exists():
        _missing("site/ is not built: run `make docs` first")


# --- static checks -----------------------------------------------------------------------------
class _Assets(HTMLParser):
    """Collects every URL a page loads by itself (scripts, styles, fonts, images, frames)."""

    LOADS: ClassVar[dict[str, str]] = {
        "script": "src",
        "img": "src",
        "iframe": "src",
        "source": "src",
        "video": "src",
        "audio": "src",
        "embed": "src",
        "object": "data",
    }
    LINK_RELS: ClassVar[frozenset[str]] = frozenset(
        {
            "stylesheet",
            "preload",
            "modulepreload",
            "prefetch",
            "preconnect",
            "dns-prefetch",
            "icon",
            "manifest",
        }
    )

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in self.LOADS and a.get(self.LOADS[tag]):
            self.urls.append(a[self.LOADS[tag]])
        if tag == "link" and self.LINK_RELS & set(a.get("rel", "").lower().split()):
            self.urls.append(a.get("href", ""))
        if "style" in a:
            self.styles.append(a["style"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


def _external(url: str) -> bool:
    parts = urlsplit(url.strip())
    return bool(parts.netloc) or parts.scheme not in ("", "data", "blob")


_CSS_URL = re.compile(r"""(?:url\(\s*["']?|@import\s+["'])([^"')\s]+)""")


def test_site_loads_nothing_from_elsewhere() -> None:
    """No external script, stylesheet, font or image: no CDN, no web fonts, no analytics."""
    offenders: list[str] = []
    for page in sorted(SITE.rglob("*.html")):
        parser = _Assets()
        parser.feed(page.read_text(errors="replace"))
        urls = parser.urls + [m for s in parser.styles for m in _CSS_URL.findall(s)]
        offenders += [f"{page.relative_to(SITE)}: {u}" for u in urls if _external(u)]
    for css in sorted(SITE.rglob("*.css")):
        offenders += [
            f"{css.relative_to(SITE)}: {u}"
            for u in _CSS_URL.findall(css.read_text(errors="replace"))
            if _external(u)
        ]
    for svg in sorted(SITE.rglob("*.svg")):  # the terminal pictures: rich's carry a web font
        text = svg.read_text(errors="replace")
        offenders += [
            f"{svg.relative_to(SITE)}: {u}" for u in _CSS_URL.findall(text) if _external(u)
        ]
    assert offenders == []
    for page in sorted(SITE.rglob("*.html")):
        text = page.read_text(errors="replace")
        for host in ("fonts.googleapis.com", "fonts.gstatic.com", "googletagmanager.com"):
            assert host not in text, f"{page.relative_to(SITE)} mentions {host}"


def test_search_index_is_built() -> None:
    index = SITE / "search" / "search_index.json"
    assert index.exists()
    assert "createMailboxDomain" in index.read_text()


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


def _plain(html: str) -> str:
    """The page's text: tags dropped, entities for <, > and & decoded, spaces collapsed."""
    text = re.sub(r"<[^>]+>", " ", html)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    text = text.replace("&quot;", '"').replace("&#39;", "'")
    return " ".join(text.split())


def _notes(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield from node.get("x-unconfirmed") or []
        for key, value in node.items():
            if key != "x-unconfirmed":
                yield from _notes(value)
    elif isinstance(node, list):
        for item in node:
            yield from _notes(item)


@pytest.mark.parametrize(("page", "spec_file", "title", "_op"), VENDOR_PAGES)
def test_vendor_page_shows_every_operation_error_source_and_note(
    page: str, spec_file: str, title: str, _op: str
) -> None:
    html = (SITE / f"{page}.html").read_text()
    spec = yaml.safe_load((ROOT / "specs" / spec_file).read_text())
    ids = [m.start() for m in re.finditer(r'<h3 id="', html)]
    for method, path, op in _operations(spec):
        anchor = f'id="{op["operationId"]}"'
        assert anchor in html, f"{page}: no anchor for {op['operationId']}"
        start = html.index(anchor)
        end = min((i for i in ids if i > start + len(anchor)), default=len(html))
        section = _plain(html[start:end])
        assert section.split("¶")[0].split()[1] == method.upper()
        assert path in section.replace(" ", ""), f"{op['operationId']}: {path} not shown"
        assert op["summary"] in section
        for status in op["responses"]:
            assert re.search(rf"\b{status}\b", section), f"{op['operationId']}: no {status}"
        for url in op.get("x-source", []):
            href = f'href="{escape(url)}"'
            assert href in html[start:end], f"{op['operationId']}: no link to {url}"
    text = re.sub(r"\s", "", _plain(html))
    for note in _notes(spec):
        question = str(note["question"])
        shown = re.sub(r"\s", "", question.replace("`", ""))
        assert shown in text, f"{page}: x-unconfirmed not shown: {question[:60]}"


def test_python_api_reference_is_rendered() -> None:
    text = _plain((SITE / "python" / "models.html").read_text())
    for name in ("SendingDomain", "DnsRecord", "Zone", "RecordType", "DomainStatus"):
        assert name in text
    errors = _plain((SITE / "python" / "errors.html").read_text())
    for name in ("MailDnsError", "APIStatusError", "NotFoundError", "RateLimitError"):
        assert name in errors


def test_the_onboarding_api_page_shows_real_signatures() -> None:
    """Every keyword each function takes, by name: no ``**kw`` to read the source for."""
    text = _plain((SITE / "python" / "onboarding.html").read_text())
    assert "**kw" not in text
    assert "in progress" not in text
    for function, keywords in {
        "plan": ("force", "prune", "state", "clients", "concurrency", "resolver"),
        "apply": ("saved", "force", "prune", "on_domain", "on_plan", "state", "concurrency"),
        "verify": ("wait", "nameservers", "on_wait", "on_checked", "state", "resolver"),
        "status": ("nameservers", "on_checked", "state", "concurrency", "resolver"),
        "check": ("resolver", "selectors", "state"),
    }.items():
        for name in (function, f"a{function}"):
            start = text.index(f"{name} ( config")
            signature = text[start : text.index(")", text.index("->", start))]
            for keyword in keywords:
                assert f" {keyword} :" in signature, (name, keyword, signature)


def test_every_page_is_a_file_linked_by_its_name() -> None:
    """``use_directory_urls: false``: ``guide/quickstart.html``, linked as such, so that the
    site opened from disk (file://) shows pages, not folders' listings."""
    index = (SITE / "index.html").read_text()
    links = set(re.findall(r'href="([^"#:]+)"', index))
    pages = {link for link in links if not link.startswith("assets/")}
    assert "guide/first-five-minutes.html" in pages
    assert "python/onboarding.html" in pages
    for link in pages:
        assert not link.endswith("/"), link
        assert (SITE / link).is_file(), link


# --- the browser check ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def site_url() -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="docs-site", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _missing(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    try:
        from playwright import sync_api
    except ImportError:
        _missing("Playwright is not installed (the docs dependency group: make docs-tools)")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Any, site_url: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)  # a bound on a page that never shows, not on speed
    elsewhere: list[str] = []
    problems: list[str] = []

    def route(route: Any) -> None:
        if route.request.url.startswith(site_url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on(
        "console",
        lambda msg: problems.append(f"console: {msg.text}") if msg.type == "error" else None,
    )
    yield page
    context.close()
    assert elsewhere == [], "the site asked for something outside itself"
    assert problems == []


def _shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.wait_for_timeout(400)  # let the header's title transition finish
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def test_browser_index_to_each_vendor_page_and_an_operation(page: Any, site_url: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{site_url}/")
    expect(page.locator("h1").first).to_be_visible()
    _shot(page, "index")
    nav = page.locator("nav.md-nav--primary")
    for path, _spec, title, operation_id in VENDOR_PAGES:
        page.goto(f"{site_url}/")
        nav.get_by_role("link", name=title, exact=True).click()
        page.wait_for_url(f"{site_url}/{path}.html")
        expect(page.locator("h1").first).to_be_visible()
        operation = page.locator(f"h3#{operation_id}".replace(".", r"\."))
        operation.scroll_into_view_if_needed()
        expect(operation).to_be_visible()
        expect(operation).to_contain_text("POST")
        _shot(page, path.replace("/", "-"))

    # One operation, from the page's own index of operations.
    page.goto(f"{site_url}/reference/tesouro.html")
    page.locator("table a", has_text="createMailboxDomain").first.click()
    page.wait_for_url("**#createMailboxDomain")
    heading = page.locator("h3#createMailboxDomain")
    expect(heading).to_be_in_viewport()
    expect(heading).to_contain_text("/finops/v1/mailbox-domains")
    expect(page.get_by_text("Create a mailbox domain", exact=True).first).to_be_visible()
    sources = page.locator("#createMailboxDomain ~ .admonition.info").first
    expect(sources).to_contain_text("docs.tesouro.com/finops/reference/openapi/mailbox-domains")
    _shot(page, "tesouro-createMailboxDomain")


def test_browser_first_five_minutes_shows_its_terminal_pictures(page: Any, site_url: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{site_url}/guide/first-five-minutes.html")
    expect(page.locator("h1").first).to_contain_text("The first five minutes")
    pictures = page.locator("article img")
    expect(pictures).to_have_count(5)
    for i in range(5):
        picture = pictures.nth(i)
        picture.scroll_into_view_if_needed()
        assert picture.get_attribute("src", timeout=60_000).endswith(".svg")
        loaded = picture.evaluate("img => img.complete ? img.naturalWidth : 0")
        assert loaded > 900, f"picture {i} did not load"  # rich draws 80 columns 994 wide
        shown = picture.evaluate("img => img.getBoundingClientRect().width")
        assert shown > 600, f"picture {i} is shown {shown} px wide"
    _shot(page, "first-five-minutes")


def test_browser_search_works_offline(page: Any, site_url: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{site_url}/")
    search = page.locator("input.md-search__input")
    search.click()
    search.press_sequentially("mailbox", delay=50)
    results = page.locator(".md-search-result__item")
    expect(results.first).to_be_visible()
    expect(page.locator(".md-search-result")).to_contain_text("mailbox")
    _shot(page, "search")


def test_spec_prose_in_tables_keeps_placeholders_and_code() -> None:
    """Markdown is not read inside the renderer's HTML tables: the build makes the cells safe."""
    html = (SITE / "reference" / "tesouro.html").read_text()
    assert "Bearer authentication header of the form Bearer <token>, where <token>" in _plain(html)
    assert "<code>POST /openid/connect/token</code>" in html
    telecomx = _plain((SITE / "reference" / "telecomx.html").read_text())
    assert "Record type ( MX <priority> for MX records)" in telecomx


def test_browser_onboarding_api_page_from_the_python_index(page: Any, site_url: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{site_url}/python/index.html")
    page.locator("article").get_by_role("link", name="Onboarding", exact=True).click()
    page.wait_for_url(f"{site_url}/python/onboarding.html")
    expect(page.locator("h1").first).to_contain_text("Onboarding")
    plan = page.locator("h2#maildns.onboarding.plan".replace(".", r"\."))
    plan.scroll_into_view_if_needed()
    expect(plan).to_be_visible()
    expect(page.locator("article")).to_contain_text("concurrency")
    _shot(page, "python-onboarding")


@pytest.fixture
def disk_page(browser: Any) -> Iterator[Any]:
    """A page that may load only the built site's own files, from disk (file://)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    elsewhere: list[str] = []
    problems: list[str] = []
    root = SITE.resolve().as_uri()

    def route(route: Any) -> None:
        if route.request.url.startswith(root):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    yield page
    context.close()
    assert elsewhere == [], "the site asked for something outside itself"
    # From disk, Material looks for the offline plugin's search index, which is left out
    # (its shim comes from unpkg.com): search needs the site served.
    assert [p for p in problems if "search/search_index.js" not in p] == []


def test_browser_site_opened_from_disk_links_pages(disk_page: Any) -> None:
    """Opened as files, a link leads to a page, not a folder's listing (search needs the site
    served: the README says so)."""
    from playwright.sync_api import expect

    page = disk_page
    page.goto((SITE / "index.html").resolve().as_uri())
    nav = page.locator("nav.md-nav--primary")
    nav.get_by_role("link", name="Quickstart", exact=True).click()
    page.wait_for_url("**/guide/quickstart.html")
    expect(page.locator("h1").first).to_contain_text("Quickstart")
    assert "Index of" not in page.content()
    page.locator("article").get_by_role("link", name="sandbox", exact=True).first.click()
    page.wait_for_url("**/guide/sandbox.html")
    expect(page.locator("h1").first).to_contain_text("The sandbox")
    _shot(page, "from-disk")
