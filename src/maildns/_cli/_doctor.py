"""``maildns doctor``: is this machine set up to talk to every vendor and to DNS?

For each vendor (from its declaration, so no vendor is named here), in this order:

``credentials``
    Whether one complete set of its credential environment variables is set. The detail names
    the variables (set or missing), never their values; two complete alternative sets (TelecomX's
    username and password, and its token) fail, as a client would refuse them.
``base_url``
    Which environment the vendor's base URL (``<VENDOR>_BASE_URL``, else the documented
    server) is (:func:`environment`: ``production``, ``vendor sandbox``, ``local maildns
    sandbox`` or ``custom``), and whether it is reachable: any HTTP response counts (the
    bare base URL is rarely an endpoint, so a 404 or a 401 is the usual answer and is said to
    be ``reachable``); a refused connection, a DNS failure or the ``--timeout`` does not. It
    needs no credentials, so it runs even when they are missing.
``token``
    Whether the vendor lets us in: an authenticated, read-only listing (the vendor's role's
    ``list_*`` method of :mod:`maildns.protocols`, its first page only) by a client built from
    the environment, as any maildns command builds it, with no retries. For a vendor whose
    clients fetch a token (OAuth, a login) the listing cannot happen without one, so it proves
    a token can be obtained; for HTTP Basic (CiiRUS) or a token given up front there is no
    token to fetch, and the detail says that the authenticated read succeeded instead.
    Skipped (not ok) when the credentials are missing or the base URL does not answer.

A vendor reached over DNS (an RFC 2136 host: ``Transport.DNS`` in its declaration) is checked
only when one of its variables is set (it is optional: most set-ups have no such host), with
``credentials`` as above, then for each zone its declaration's ``zones_env`` names:

``zone``
    Whether its server answers for the zone with authority (SOA and NS, unsigned). The detail
    names the server; a server that does not answer fails, naming it.
``key``
    Whether the server accepts the TSIG key: a zone transfer (AXFR) signed with it, what every
    read of onboarding is. Skipped when the zone check failed.

No zone named fails (``zone``): the variable to set is said.

Then ``dns`` (no vendor): one check per nameserver, those of ``--nameserver`` (repeatable),
else ``MAILDNS_NAMESERVERS`` (``host:port,...``: what verify and status ask), else the system
resolver's (``/etc/resolv.conf``: what verify and status use to find a zone's nameservers when
none is configured). A server works when it answers a query for ``example.com`` with any
response code (REFUSED too: an authoritative server need not serve that name; the detail says
``answers DNS queries`` and names only an unusual code); no answer within ``--timeout``
fails. No nameserver configured anywhere fails.

Exit 0 when every check passes, 1 otherwise. One line per check on stdout (or ``--json``: one
document, ``{"format_version", "checks": [{"vendor", "check", "ok", "skipped", "detail"}],
"environments": {vendor: environment or null}, "ok"}``); a summary line on stderr. No output
holds a credential's value: details hold environment variable names, URLs (user info and
credential query parameters removed) and the SDK's errors, which never quote a credential.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Annotated, Any, Final

import attrs
import typer
from rich.table import Table
from rich.text import Text

from ..errors import MailDnsError
from ._common import ERROR, FORMAT_VERSION, OK, Json, _print_json, err, out

if TYPE_CHECKING:
    from .._core.declaration import Declaration
    from ..onboarding._lookup import Server

PROBE_NAME: Final = "example.com"
"""The name the DNS check asks for (RFC 2606: reserved, so asking for it leaks nothing)."""
LISTINGS: Final = {"sending_domains": "list_sending_domains", "dns": "list_zones"}
"""A role's cheapest authenticated read, by the protocols' method names."""


@attrs.frozen
class Check:
    vendor: str | None
    check: str
    ok: bool
    detail: str
    skipped: bool = False
    environment: str | None = None
    """A base_url check's: which environment the vendor's base URL is (not in the JSON of the
    check: the document's ``environments`` holds it)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "vendor": self.vendor,
            "check": self.check,
            "ok": self.ok,
            "skipped": self.skipped,
            "detail": self.detail,
        }


def _skipped(vendor: str, check: str, why: str) -> Check:
    return Check(vendor, check, False, f"skipped: {why}", skipped=True)


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text[:300]


def _shown_url(url: str) -> str:
    """``url`` fit to print: no user info, credential-bearing query values masked."""
    import httpx

    from .._core.secrets import redact_url

    try:
        parsed = httpx.URL(url)
        if parsed.userinfo:
            url = str(parsed.copy_with(username=None, password=None))
    except (TypeError, httpx.InvalidURL):
        return "<not a URL>"
    return redact_url(url)


# --- the vendor's checks --------------------------------------------------------------------------
def credentials_check(declaration: Declaration) -> Check:
    """One complete credential set in the environment, by the clients' rule (an empty
    variable is unset)."""
    name = declaration.name
    envs = [[declaration.credential(a).env for a in group] for group in declaration.credential_sets]
    complete = [group for group in envs if all(os.environ.get(e) for e in group)]
    if len(complete) == 1:
        return Check(name, "credentials", True, "set: " + ", ".join(complete[0]))
    if len(complete) > 1:
        sets = " and ".join("(" + ", ".join(group) + ")" for group in complete)
        return Check(name, "credentials", False, f"{sets} are all set: set only one of them")
    # The set nearest to complete first: most likely the one meant.
    envs.sort(key=lambda group: sum(1 for e in group if not os.environ.get(e)))
    missing = [", ".join(e for e in group if not os.environ.get(e)) for group in envs]
    alternatives = "".join(f" (or set {m})" for m in missing[1:])
    return Check(name, "credentials", False, f"not set: {missing[0]}{alternatives}")


def _base_url(declaration: Declaration) -> tuple[str, str]:
    """The base URL a client would use, and where it comes from (InvalidInputError)."""
    from .._core.options import resolve_base_url

    url = resolve_base_url(None, env=declaration.base_url_env, default=declaration.default_base_url)
    where = declaration.base_url_env if os.environ.get(declaration.base_url_env) else "default"
    return url, where


PRODUCTION: Final = "production"
VENDOR_SANDBOX: Final = "vendor sandbox"
LOCAL_SANDBOX: Final = "local maildns sandbox"
CUSTOM: Final = "custom"
_LOOPBACK: Final = ("127.0.0.1", "localhost", "::1", "[::1]")


def environment(declaration: Declaration, url: str, timeout: float) -> str:
    """Which environment ``url`` is for ``declaration``'s vendor: one of its documented
    servers (``production``, or ``vendor sandbox`` for any other it documents), a maildns
    sandbox on this machine (its ``/_sandbox/clock`` answers), else ``custom``."""
    import httpx

    for kind, server in declaration.servers.items():
        if url.rstrip("/") == server.rstrip("/"):
            return PRODUCTION if kind == "production" else VENDOR_SANDBOX
    try:
        parsed = httpx.URL(url)
        if parsed.host not in _LOOPBACK:
            return CUSTOM  # nothing is asked of a remote host beyond the base URL itself
        clock = parsed.copy_with(path="/_sandbox/clock", query=None, fragment=None)
        with httpx.Client(timeout=timeout, follow_redirects=False) as http:
            answer = http.get(clock)
        if answer.status_code == 200 and "now" in answer.json():
            return LOCAL_SANDBOX
    except (httpx.HTTPError, OSError, ValueError, TypeError):
        pass
    return CUSTOM


def _environment_words(declaration: Declaration, kind: str) -> str:
    if kind == VENDOR_SANDBOX:
        return f"{declaration.title}'s own sandbox, not production"
    return kind


def _answered(status: int) -> str:
    """Reachable, in words that read as what they are: a 404 at a bare base URL is normal."""
    if status >= 500:
        return f"reachable, though it answered HTTP {status} (a server error)"
    return "reachable"  # a 404 or 401 too: the bare base URL is rarely an endpoint


def base_url_check(declaration: Declaration, timeout: float) -> Check:
    import httpx

    name = declaration.name
    try:
        url, where = _base_url(declaration)
    except MailDnsError as error:
        return Check(name, "base_url", False, f"{declaration.base_url_env} {_one_line(error)}")
    kind = environment(declaration, url, timeout)
    shown = f"{_shown_url(url)} ({where}): {_environment_words(declaration, kind)}"
    try:
        # Any status is an answer: the base URL itself is rarely an endpoint.
        with httpx.Client(timeout=timeout, follow_redirects=False) as http:
            response = http.get(url)
    except httpx.TimeoutException:
        detail = f"{shown}; does not answer: no answer in {timeout:g} s"
        return Check(name, "base_url", False, detail, environment=kind)
    except (httpx.HTTPError, OSError) as error:
        from .._core.secrets import redact_url

        why = redact_url(_one_line(error))  # httpx may quote the URL
        detail = f"{shown}; does not answer: {why} ({type(error).__name__})"
        return Check(name, "base_url", False, detail, environment=kind)
    detail = f"{shown}; {_answered(response.status_code)}"
    return Check(name, "base_url", True, detail, environment=kind)


def _fetches_tokens(declaration: Declaration, url: str) -> bool:
    """Whether the vendor's auth, as the environment sets it up, fetches a token."""
    from .._core.options import resolve_credentials

    credentials = resolve_credentials(declaration, {}, [])
    assert credentials is not None  # no argument given: nothing to object to
    return declaration.implementation().auth(credentials, url).fetches_tokens


def token_check(declaration: Declaration, timeout: float) -> Check:
    import maildns

    name = declaration.name
    role = sorted(declaration.roles)[0]
    listing = LISTINGS[role.value]
    try:
        url, _ = _base_url(declaration)
        fetches = _fetches_tokens(declaration, url)
        # max_retries=0: a doctor reports what happens now rather than waiting it out.
        with getattr(maildns, declaration.clients[0])(timeout=timeout, max_retries=0) as client:
            next(iter(getattr(client, listing)()), None)
    except MailDnsError as error:
        return Check(name, "token", False, _one_line(error))
    except Exception as error:  # a bug, still one line: doctor reports every other check too
        return Check(name, "token", False, f"unexpected {type(error).__name__}: {_one_line(error)}")
    read = f"{listing} succeeded"  # short: one line of an 80-column terminal
    if fetches:
        return Check(name, "token", True, f"token obtained; {read}")
    return Check(name, "token", True, f"no token to fetch; {read}")


def vendor_checks(declaration: Declaration, timeout: float) -> list[Check]:
    credentials = credentials_check(declaration)
    base_url = base_url_check(declaration, timeout)
    if not credentials.ok:
        token = _skipped(declaration.name, "token", "the credentials are not configured")
    elif not base_url.ok:
        token = _skipped(declaration.name, "token", "the base URL does not answer")
    else:
        token = token_check(declaration, timeout)
    return [credentials, base_url, token]


# --- a vendor reached over DNS --------------------------------------------------------------------
def configured(declaration: Declaration) -> bool:
    """Whether any of the vendor's variables is set (a DNS-speaking host is optional)."""
    names = [c.env for c in declaration.credentials]
    if declaration.zones_env is not None:
        names.append(declaration.zones_env)
    return any(os.environ.get(name) for name in names)


def _server(declaration: Declaration) -> str:
    """Where the vendor's server is, as the environment says (the address is no secret)."""
    if declaration.address is not None:
        env = declaration.credential(declaration.address).env
        if os.environ.get(env):
            return os.environ[env].strip()
    return "its server"


def dns_host_checks(declaration: Declaration, timeout: float) -> list[Check]:
    import importlib

    name = declaration.name
    credentials = credentials_check(declaration)
    if not credentials.ok:
        return [credentials, _skipped(name, "zone", "the credentials are not configured")]
    server = _server(declaration)
    zones_env = declaration.zones_env or ""
    zones = os.environ.get(zones_env, "").replace(",", " ").split() if zones_env else []
    if not zones:
        detail = f"no zone to check on {server}: set {zones_env} to the zones maildns updates"
        return [credentials, Check(name, "zone", False, detail)]
    checks = [credentials]
    sync = declaration.clients[0]
    try:
        module = importlib.import_module(declaration.public_names[sync])
        client = getattr(module, sync)(timeout=timeout)
    except MailDnsError as error:
        return [credentials, Check(name, "zone", False, _one_line(error))]
    with client:
        for zone in zones:
            checks += _zone_checks(name, client, zone, server)
    return checks


def _zone_checks(name: str, client: Any, zone: str, server: str) -> list[Check]:
    from ..models import ZoneStatus

    def failed(error: MailDnsError) -> str:
        why = _one_line(error)
        return f"{zone}: {why}" if server in why else f"{zone} on {server}: {why}"

    try:
        status = client.check_zone(zone)
    except MailDnsError as error:
        return [
            Check(name, "zone", False, failed(error)),
            _skipped(name, "key", f"{zone}: {server} did not answer for it"),
        ]
    except Exception as error:  # a bug, still one line: doctor reports every other check too
        why = f"unexpected {type(error).__name__}: {_one_line(error)}"
        return [Check(name, "zone", False, f"{zone} on {server}: {why}")]
    if status is not ZoneStatus.SERVED:
        detail = f"{server} does not serve {zone} with authority (no SOA and NS from it)"
        return [
            Check(name, "zone", False, detail),
            _skipped(name, "key", f"{zone}: {server} does not serve it"),
        ]
    zone_ok = Check(name, "zone", True, f"{server} serves {zone} (SOA and NS, authoritative)")
    try:
        read = client.get_zone(zone)
    except MailDnsError as error:
        return [zone_ok, Check(name, "key", False, failed(error))]
    except Exception as error:
        why = f"unexpected {type(error).__name__}: {_one_line(error)}"
        return [zone_ok, Check(name, "key", False, f"{zone} on {server}: {why}")]
    records = len(read.records)
    detail = f"{server} accepts the TSIG key: {zone} transferred ({records} records)"
    return [zone_ok, Check(name, "key", True, detail)]


# --- DNS ------------------------------------------------------------------------------------------
def _system_nameservers() -> list[Server]:
    """The system resolver's nameservers (dns.resolver.NoResolverConfiguration when none)."""
    import dns.resolver

    resolver = dns.resolver.Resolver()
    return [(str(ns), resolver.port) for ns in resolver.nameservers]


def _nameservers(given: Sequence[str] | None) -> tuple[list[Server], str]:
    """The servers to check and where they come from (InvalidInputError when malformed)."""
    from ..onboarding._lookup import NAMESERVERS_ENV, parse_servers

    if given:
        return parse_servers(",".join(given), "--nameserver"), "--nameserver"
    env = os.environ.get(NAMESERVERS_ENV, "").strip()
    if env:
        return parse_servers(env), NAMESERVERS_ENV
    return _system_nameservers(), "system resolver"


def ask_check(server: Server, where: str, timeout: float) -> Check:
    import dns.exception
    import dns.message
    import dns.query
    import dns.rcode

    shown = f"{server[0]}:{server[1]} ({where})"
    query = dns.message.make_query(PROBE_NAME, "SOA")
    try:
        response = dns.query.udp(query, server[0], timeout=timeout, port=server[1])
    except dns.exception.Timeout:
        return Check(None, "dns", False, f"{shown} does not answer: no answer in {timeout:g} s")
    except (OSError, ValueError, dns.exception.DNSException) as error:
        detail = f"{shown} does not answer: {_one_line(error)} ({type(error).__name__})"
        return Check(None, "dns", False, detail)
    rcode = dns.rcode.to_text(response.rcode())
    # NOERROR, or REFUSED from an authoritative server that does not serve the name: both
    # the usual answers of a working server, so not worth a word; any other is said.
    said = "" if rcode in ("NOERROR", "REFUSED") else f" ({rcode} for {PROBE_NAME})"
    return Check(None, "dns", True, f"{shown} answers DNS queries{said}")


def dns_checks(nameserver: Sequence[str] | None, timeout: float) -> list[Check]:
    import dns.resolver

    try:
        servers, where = _nameservers(nameserver)
    except MailDnsError as error:
        return [Check(None, "dns", False, _one_line(error))]
    except dns.resolver.NoResolverConfiguration:
        servers, where = [], "system resolver"
    if not servers:
        detail = "no nameserver: set MAILDNS_NAMESERVERS or --nameserver (the system has none)"
        return [Check(None, "dns", False, detail)]
    return [ask_check(server, where, timeout) for server in servers]


# --- the command ----------------------------------------------------------------------------------
def run_checks(nameserver: Sequence[str] | None, timeout: float) -> list[Check]:
    """Every check, the vendors' in their declarations' order (a vendor reached over DNS
    only when configured), then DNS's."""
    from ..vendors import VENDORS, Transport

    jobs: list[Callable[[], list[Check]]] = [
        functools.partial(vendor_checks, d, timeout)
        if d.transport is Transport.HTTP
        else functools.partial(dns_host_checks, d, timeout)
        for d in VENDORS.values()
        if d.transport is Transport.HTTP or configured(d)
    ]
    jobs.append(functools.partial(dns_checks, nameserver, timeout))
    # Concurrently: a vendor that does not answer costs one timeout, not one per vendor.
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        results = [pool.submit(job) for job in jobs]
        return [check for result in results for check in result.result()]


def _line(check: Check, width: int) -> str:
    status = _status(check)
    return f"{status:<5} {(check.vendor or '-'):<{width}}  {check.check:<11}  {check.detail}"


_STYLES: Final = {"ok": "green", "skip": "yellow", "FAIL": "bold red"}


def _print_checks(checks: list[Check]) -> None:
    """One line per check; on a terminal in colour, a long detail folded under itself (the
    other columns stay put), elsewhere whole, for grep."""
    width = max(len(check.vendor or "-") for check in checks)
    if not out.is_terminal:
        for check in checks:
            out.print(_line(check, width), markup=False, highlight=False, soft_wrap=True)
        return
    grid = Table.grid(padding=(0, 2))
    for _ in range(3):
        grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for check in checks:
        status = _status(check)
        grid.add_row(
            Text(status, style=_STYLES[status]),
            check.vendor or "-",
            check.check,
            Text(check.detail),
        )
    out.print(grid)


def _status(check: Check) -> str:
    return "ok" if check.ok else ("skip" if check.skipped else "FAIL")


def doctor_command(
    json_: Json = False,
    nameserver: Annotated[
        list[str] | None,
        typer.Option(
            "--nameserver",
            help="host:port to check instead of MAILDNS_NAMESERVERS (repeatable).",
            show_default=False,
        ),
    ] = None,
    timeout: Annotated[
        float,
        typer.Option("--timeout", min=0.05, help="Seconds to wait for each answer."),
    ] = 5.0,
) -> None:
    """Check credentials, base URLs, tokens and DNS for every vendor (exit 1 if any fails).

    Credentials are reported by their environment variables' names, never their values.
    """
    checks = run_checks(nameserver, timeout)
    passed = all(check.ok for check in checks)
    if json_:
        _print_json(
            {
                "format_version": FORMAT_VERSION,
                "checks": [check.to_json() for check in checks],
                "environments": {
                    check.vendor: check.environment
                    for check in checks
                    if check.vendor is not None and check.check == "base_url"
                },
                "ok": passed,
            }
        )
    else:
        _print_checks(checks)
    failed = sum(1 for check in checks if not check.ok)
    if failed:
        err.print(f"{failed} of {len(checks)} checks did not pass", markup=False)
    else:
        err.print(f"all {len(checks)} checks passed", markup=False)
    raise typer.Exit(OK if passed else ERROR)
