"""``maildns <vendor> ...``: each vendor's sending domains, zones and records, one call each.

Built from :data:`maildns.vendors.VENDORS`, so a vendor added there gets its commands:

- a vendor playing ``Role.SENDING_DOMAINS`` gets ``list|get|create|update|verify|delete``
  (``update`` when its client has ``update_sending_domain``) under its declared ``noun``;
- a vendor playing ``Role.DNS`` gets ``zones list|get|create|update|delete|check`` (``update``
  when its client has ``update_zone``; no ``create`` or ``delete`` for a host that cannot make
  zones, such as an RFC 2136 server) and ``records list|add|update|delete``.

The options come from the vendor's own code: its settings class's fields for ``create`` (and
``update``, which replaces them), the keyword-only parameters of the client method for the
rest (``zones update --ttl --product``, ``zones list --customer``), the client's properties
(``api_version``) on every command. The help is written here, for the command line (what the
command shows, its exit code on failure), by operation and option name: never the Python
docstrings, which speak of exceptions and classes. Every command is one call through the
facade, so its validation, retries and environment variables (credentials,
``<VENDOR>_BASE_URL``) hold; ``--json`` prints one document
(``format_version`` "1" and the models' fields, through one serializer per model).
"""

from __future__ import annotations

import importlib
import inspect
import sys
import typing
from collections.abc import Callable, Iterable, Sequence
from typing import Annotated, Any, Final, TypeVar

import attrs
import typer
from rich.table import Table
from rich.text import Text

from ..errors import ConfigurationError, InvalidInputError, MailDnsError
from ..models import DnsRecord, RecordType, SendingDomain, Zone, ZoneStatus
from ..vendors import VENDORS, Declaration, Role, Transport
from ._common import FORMAT_VERSION, Json, _fail, _print_json, call, fit_whole, out

__all__ = [
    "add_vendor_commands",
    "record_json",
    "sending_domain_json",
    "zone_json",
    "zone_status_json",
]

T = TypeVar("T")


# --- help, for the command line ----------------------------------------------------------------
_COMMAND_HELP: Final = {
    "list_sending_domains": "List the {noun}: domain, status, id and how many DNS records each "
    "asks for.",
    "get_sending_domain": "Show DOMAIN's id and status and the DNS records to publish for it "
    "(exit 1 if there is none).",
    "create_sending_domain": "Register DOMAIN and show the DNS records to publish for it (exit 1 "
    "if it exists already{one}).",
    "update_sending_domain": "Replace DOMAIN's settings with the options given (exit 1 if there "
    "is none).",
    "verify_sending_domain": "Ask the vendor to check DOMAIN's DNS records now, and show its "
    "status and each record's.",
    "delete_sending_domain": "Delete DOMAIN at the vendor (asks first unless --yes).",
    "list_zones": "List the hosted zones: domain, TTL, status, customer, product, records.",
    "get_zone": "Show the zone DOMAIN and its records (exit 1 if it is not hosted).",
    "create_zone": "Host the zone DOMAIN (exit 1 if it is hosted already).",
    "update_zone": "Change the zone's TTL or product (give at least one).",
    "delete_zone": "Delete the zone DOMAIN and all its records (asks first unless --yes).",
    "check_zone": "Show whether DOMAIN is delegated to the vendor's nameservers.",
    "list_records": "List the records of the zone DOMAIN (--type and --name narrow them).",
    "add_record": "Add a record to the zone DOMAIN (its name fully qualified, inside DOMAIN).",
    "update_record": "Change the value of the record given by --type, --name and --value to "
    "--new-value.",
    "delete_record": "Delete the record given by --type, --name and --value (asks first unless "
    "--yes).",
}
"""Each command's help, by the operation it calls (the protocols' method names)."""

_OPTION_HELP: Final = {
    "api_version": "The vendor API version to call.",
}
"""The help of the options every vendor's client may have; a vendor's own options are helped
by its declaration (``option_help``)."""


def _command_help(operation: str, noun: str = "", one: bool = False) -> str:
    if operation == "list_sending_domains" and one:
        return (
            f"List the account's {noun} (it holds one at most): domain, status, id and how "
            "many DNS records it asks for."
        )
    text = _COMMAND_HELP[operation]
    return text.format(noun=noun, one=" or the account holds one already" if one else "")


def _option_help(declaration: Declaration, name: str, operation: str = "") -> str:
    """The help of option ``name`` of ``operation``: the vendor's own (for that operation,
    else for the option), else the common one, else its name."""
    own = declaration.option_help
    text = own.get(f"{operation}.{name}") or own.get(name) or _OPTION_HELP.get(name)
    return text or name.replace("_", " ").capitalize() + "."


# --- serializers: one per model, the model's fields and nothing of the vendor's payload ------


RECORD_FIELDS: Final = ("type", "name", "value", "purpose", "priority", "verified")


def record_json(record: DnsRecord) -> dict[str, Any]:
    return {
        "type": record.type.value,
        "name": record.name,
        "value": record.value,
        "purpose": None if record.purpose is None else record.purpose.value,
        "priority": record.priority,
        "verified": record.verified,
    }


def sending_domain_json(domain: SendingDomain) -> dict[str, Any]:
    return {
        "vendor": domain.vendor,
        "domain": domain.domain,
        "id": domain.id,
        "status": domain.status.value,
        "records": [record_json(r) for r in domain.records],
    }


def zone_status_json(status: ZoneStatus | None) -> str | None:
    return None if status is None else status.value


def _host_field(zone: Zone, name: str) -> str | int | float | bool | None:
    value = getattr(zone.raw, name, None)
    # a field the host left out is its client's "unset" marker: shown as null
    return value if isinstance(value, str | int | float | bool) else None


def zone_json(zone: Zone, host_fields: Sequence[str] = ()) -> dict[str, Any]:
    """The zone as the command line prints it; ``host_fields`` are read from ``zone.raw``
    (the DNS host's :attr:`~maildns._core.declaration.Declaration.zone_fields`)."""
    return {
        "domain": zone.domain,
        "ttl": zone.ttl,
        "serial": zone.serial,
        **{name: _host_field(zone, name) for name in host_fields},
        "status": zone_status_json(zone.status),
        "records": [record_json(r) for r in zone.records],
    }


def _document(vendor: str, **fields: Any) -> dict[str, Any]:
    return {"format_version": FORMAT_VERSION, "vendor": vendor, **fields}


# --- tables: on stdout, folding long values (DKIM keys) to the console's width -----------------


def _cell(value: object) -> Text:
    # Text, not str: a TXT value's "[...]" is not rich markup.
    return Text("-" if value is None else str(value))


def _fields_table(title: str, rows: Iterable[tuple[str, object]]) -> Table:
    table = Table(title=title, show_header=False)
    table.add_column("field", no_wrap=True, style="bold")
    table.add_column("value", overflow="fold")
    for name, value in rows:
        table.add_row(name, _cell(value))
    return table


def _records_table(records: Sequence[DnsRecord]) -> Table:
    """type, name, value (an MX's priority before it, as a zone file writes it), and purpose
    and verified when any record has them: a zone's records have no purpose, and the value (a
    DKIM key) gets the room."""
    table = Table(title="records")
    rows = [record_json(r) for r in records]
    for row in rows:
        if row["priority"] is not None:
            row["value"] = f"{row['priority']} {row['value']}"
    columns = [
        c
        for c in RECORD_FIELDS
        if c in ("type", "name", "value")
        or (c != "priority" and any(row[c] is not None for row in rows))
    ]
    cells = [[_cell(row[c]) for c in columns] for row in rows]
    # The other columns whole while the value keeps room beside them (on a narrow terminal a
    # name folds too); the value folds.
    others = [c for c in columns if c != "value"]
    whole = fit_whole(
        ([c, *(line[columns.index(c)].plain for line in cells)] for c in others), out.width
    )
    for column in columns:
        table.add_column(column, overflow="fold", no_wrap=whole and column != "value")
    for line in cells:
        table.add_row(*line)
    return table


def _print_domain(domain: SendingDomain) -> None:
    rows = (("vendor", domain.vendor), ("id", domain.id), ("status", domain.status))
    out.print(_fields_table(domain.domain, rows))
    if domain.records:
        out.print(_records_table(domain.records))


def _print_zone(vendor: str, zone: Zone, host_fields: Sequence[str]) -> None:
    fields = [
        (k, v) for k, v in zone_json(zone, host_fields).items() if k not in ("domain", "records")
    ]
    out.print(_fields_table(zone.domain, [("vendor", vendor), *fields]))
    if zone.records:
        out.print(_records_table(zone.records))


# --- calls -------------------------------------------------------------------------------------


class _NamedError(MailDnsError):
    """A facade check's error (it names the argument) with the vendor and the operation."""

    def __init__(self, vendor: str, operation: str, error: MailDnsError) -> None:
        lines = str(error).splitlines() or [str(error)]
        super().__init__("\n".join(f"{vendor} {operation}: {line}" for line in lines))
        self.vendor = vendor
        self.operation = operation


def _client_class(declaration: Declaration) -> Any:
    module = importlib.import_module(declaration.public_names[declaration.clients[0]])
    return getattr(module, declaration.clients[0])


def _using(
    declaration: Declaration, options: dict[str, Any], operation: str, use: Callable[[Any], T]
) -> T:
    """``use(client)`` with a client built from ``options`` (the rest from the environment),
    its errors as one line each (``call``), exit 1."""

    def action() -> T:
        try:
            given = {k: v for k, v in options.items() if v is not None}
            with _client_class(declaration)(**given) as client:
                return use(client)
        except (InvalidInputError, ConfigurationError) as error:
            # An APIError names vendor and operation already; a check names the argument only.
            raise _NamedError(declaration.name, operation, error) from error

    return call(action)


def _interactive() -> bool:
    return sys.stdin.isatty()


def _confirm_delete(yes: bool, what: str) -> None:
    """As ``onboard apply``: ask on a terminal, refuse without one unless ``--yes``."""
    if yes:
        return
    if not _interactive():
        _fail(f"deleting {what} needs --yes when there is no terminal to confirm on")
    if not typer.confirm(f"Delete {what}?", err=True):
        _fail("not deleted")


# --- options built at run time ------------------------------------------------------------------

_KW: Final = inspect.Parameter.KEYWORD_ONLY


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _option(name: str, kind: Any, help: str, default: Any = inspect.Parameter.empty) -> Any:
    decl = f"{_flag(name)}/--no-{name.replace('_', '-')}" if kind is bool else _flag(name)
    annotation = Annotated[kind, typer.Option(decl, help=help, show_default=default is not None)]
    return inspect.Parameter(name, _KW, default=default, annotation=annotation)


def _settings_options(declaration: Declaration, role: Role) -> list[inspect.Parameter]:
    """The fields of the vendor's settings class, as options (required when the field is)."""
    cls = declaration.settings_class(role)
    hints = typing.get_type_hints(cls)  # not attrs.resolve_types: that rewrites the class
    options = []
    for field in attrs.fields(cls):
        default = field.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            default = default.factory()
        if default is attrs.NOTHING:
            default = inspect.Parameter.empty
        help = _option_help(declaration, field.name)
        options.append(_option(field.name, hints[field.name], help, default))
    return options


def _method_options(
    declaration: Declaration, method: Callable[..., Any]
) -> list[inspect.Parameter]:
    """The client method's keyword-only parameters (all optional), as options."""
    hints = typing.get_type_hints(method)
    return [
        _option(
            p.name, hints[p.name], _option_help(declaration, p.name, method.__name__), p.default
        )
        for p in inspect.signature(method).parameters.values()
        if p.kind is _KW
    ]


def _property_options(declaration: Declaration, client_class: Any) -> list[inspect.Parameter]:
    """The client's properties (``api_version``): each is a constructor option of its name."""
    options = []
    for name in getattr(client_class, "_properties", ()):
        help = f"{_option_help(declaration, name)} Default: the newest the client knows."
        options.append(_option(name, str | None, help, None))
    return options


def _command(
    group: typer.Typer,
    name: str,
    body: Callable[..., None],
    extra: Sequence[inspect.Parameter],
    help: str,
) -> None:
    """``body`` as ``group``'s command ``name``, with the ``extra`` options besides its own:
    typer reads a command's parameters from its signature, and these are known only once the
    vendor's classes are."""
    hints = typing.get_type_hints(body, include_extras=True)
    own = [
        p.replace(kind=_KW, annotation=hints[p.name])
        for p in inspect.signature(body).parameters.values()
        if p.kind is not p.VAR_KEYWORD
    ]
    clash = {p.name for p in own} & {p.name for p in extra}
    assert not clash, f"{name}: options named twice: {clash}"  # a vendor's field vs ours

    def command(**arguments: Any) -> None:
        body(**arguments)

    parameters = [*own, *extra]
    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in parameters}
    group.command(name, help=help)(command)


def _split(arguments: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    return {name: arguments.pop(name) for name in names}


# --- the commands' own parameters (module level: typer resolves them by name) ----------------

Domain = Annotated[str, typer.Argument(help="The domain name (mail.example.com).")]
Yes = Annotated[bool, typer.Option("--yes", help="Delete without asking.")]
RecordTypeOption = Annotated[
    RecordType, typer.Option("--type", case_sensitive=False, help="The record's type.")
]
Name = Annotated[str, typer.Option("--name", help="Fully qualified (mail.example.com).")]
Value = Annotated[str, typer.Option("--value", help="The text to publish (TXT: no quotes).")]
Priority = Annotated[int | None, typer.Option("--priority", help="MX preference.")]
NewValue = Annotated[str, typer.Option("--new-value", help="The record's new value.")]
RecordTypeFilter = Annotated[
    RecordType | None,
    typer.Option("--type", case_sensitive=False, help="Only records of this type."),
]
NameFilter = Annotated[
    str | None, typer.Option("--name", help="Only records at this fully qualified name.")
]


def _sending_domains(declaration: Declaration) -> typer.Typer:
    group = typer.Typer(help=declaration.noun_help, no_args_is_help=True)
    vendor = declaration.name
    client_class = _client_class(declaration)
    properties = _property_options(declaration, client_class)
    settings = _settings_options(declaration, Role.SENDING_DOMAINS)
    settings_class = declaration.settings_class(Role.SENDING_DOMAINS)

    def one(operation: str, options: dict[str, Any], use: Callable[[Any], SendingDomain]) -> Any:
        return _using(declaration, options, operation, use)

    def show(domain: SendingDomain, json_: bool) -> None:
        if json_:
            _print_json({"format_version": FORMAT_VERSION, **sending_domain_json(domain)})
        else:
            _print_domain(domain)

    def list_body(json_: Json = False, **options: Any) -> None:
        domains: list[SendingDomain] = _using(
            declaration, options, "list_sending_domains", lambda c: list(c.list_sending_domains())
        )
        if json_:
            _print_json(_document(vendor, domains=[sending_domain_json(d) for d in domains]))
            return
        table = Table(title=f"{declaration.title} {declaration.noun}")
        for column in ("domain", "status", "id", "records"):
            table.add_column(column, overflow="fold")
        for d in domains:
            table.add_row(*(_cell(v) for v in (d.domain, d.status, d.id, len(d.records))))
        out.print(table)

    def by_name(method: str) -> Callable[..., None]:
        """get and verify: the domain's name is all they take."""

        def body(domain: Domain, json_: Json = False, **options: Any) -> None:
            show(one(method, options, lambda c: getattr(c, method)(domain)), json_)

        return body

    def with_settings(method: str) -> Callable[..., None]:
        """create and update: the name and the vendor's settings, from their options."""

        def body(domain: Domain, json_: Json = False, **options: Any) -> None:
            fields = _split(options, (p.name for p in settings))
            made = one(
                method, options, lambda c: getattr(c, method)(domain, settings_class(**fields))
            )
            show(made, json_)

        return body

    def delete_body(domain: Domain, yes: Yes = False, json_: Json = False, **options: Any) -> None:
        _confirm_delete(yes, f"{domain} at {declaration.title}")
        _using(
            declaration, options, "delete_sending_domain", lambda c: c.delete_sending_domain(domain)
        )
        if json_:
            _print_json(_document(vendor, domain=domain, deleted=True))
        else:
            out.print(f"deleted {domain}", markup=False, highlight=False)

    # The properties (api_version) stay in **options: they go to the client's constructor.
    commands: list[tuple[str, Callable[..., None], list[inspect.Parameter], str]] = [
        ("list", list_body, [], "list_sending_domains"),
        ("get", by_name("get_sending_domain"), [], "get_sending_domain"),
        ("create", with_settings("create_sending_domain"), settings, "create_sending_domain"),
    ]
    if hasattr(client_class, "update_sending_domain"):
        update = with_settings("update_sending_domain")
        commands.append(("update", update, settings, "update_sending_domain"))
    commands += [
        ("verify", by_name("verify_sending_domain"), [], "verify_sending_domain"),
        ("delete", delete_body, [], "delete_sending_domain"),
    ]
    single = declaration.domains_per_account == 1
    for name, body, extra, method in commands:
        help = _command_help(method, declaration.noun, single)
        _command(group, name, body, [*extra, *properties], help)
    return group


def _zones(declaration: Declaration) -> typer.Typer:
    group = typer.Typer(help="Hosted DNS zones.", no_args_is_help=True)
    vendor = declaration.name
    client_class = _client_class(declaration)
    properties = _property_options(declaration, client_class)
    settings = _settings_options(declaration, Role.DNS)
    settings_class = declaration.settings_class(Role.DNS)
    list_options = _method_options(declaration, client_class.list_zones)
    update_options = (
        _method_options(declaration, client_class.update_zone)
        if hasattr(client_class, "update_zone")
        else []
    )

    host_fields = declaration.zone_fields

    def show(zone: Zone, json_: bool) -> None:
        if json_:
            _print_json(_document(vendor, **zone_json(zone, host_fields)))
        else:
            _print_zone(vendor, zone, host_fields)

    def list_body(json_: Json = False, **options: Any) -> None:
        filters = _split(options, (p.name for p in list_options))
        zones: list[Zone] = _using(
            declaration, options, "list_zones", lambda c: list(c.list_zones(**filters))
        )
        if json_:
            _print_json(_document(vendor, zones=[zone_json(z, host_fields) for z in zones]))
            return
        table = Table(title=f"{declaration.title} zones")
        for column in ("domain", "ttl", "status", *host_fields, "records"):
            table.add_column(column, overflow="fold")
        for z in zones:
            extra = [_host_field(z, name) for name in host_fields]
            row = (z.domain, z.ttl, z.status, *extra, len(z.records))
            table.add_row(*(_cell(v) for v in row))
        out.print(table)

    def get_body(domain: Domain, json_: Json = False, **options: Any) -> None:
        show(_using(declaration, options, "get_zone", lambda c: c.get_zone(domain)), json_)

    def create_body(domain: Domain, json_: Json = False, **options: Any) -> None:
        fields = _split(options, (p.name for p in settings))
        made = _using(
            declaration,
            options,
            "create_zone",
            lambda c: c.create_zone(domain, settings_class(**fields)),
        )
        show(made, json_)

    def update_body(domain: Domain, json_: Json = False, **options: Any) -> None:
        changes = _split(options, (p.name for p in update_options))
        changed = _using(
            declaration, options, "update_zone", lambda c: c.update_zone(domain, **changes)
        )
        show(changed, json_)

    def delete_body(domain: Domain, yes: Yes = False, json_: Json = False, **options: Any) -> None:
        _confirm_delete(yes, f"{declaration.title} zone {domain} and all its records")
        _using(declaration, options, "delete_zone", lambda c: c.delete_zone(domain))
        if json_:
            _print_json(_document(vendor, domain=domain, deleted=True))
        else:
            out.print(f"deleted {domain}", markup=False, highlight=False)

    def check_body(domain: Domain, json_: Json = False, **options: Any) -> None:
        status = _using(declaration, options, "check_zone", lambda c: c.check_zone(domain))
        if json_:
            _print_json(_document(vendor, domain=domain, status=zone_status_json(status)))
        else:
            out.print(_fields_table(domain, [("vendor", vendor), ("status", status)]))

    commands: list[tuple[str, Callable[..., None], list[inspect.Parameter], str]] = [
        ("list", list_body, list_options, "list_zones"),
        ("get", get_body, [], "get_zone"),
    ]
    if declaration.creates_zones:
        commands.append(("create", create_body, settings, "create_zone"))
    if update_options:
        commands.append(("update", update_body, update_options, "update_zone"))
    if declaration.creates_zones:
        commands.append(("delete", delete_body, [], "delete_zone"))
    commands.append(("check", check_body, [], "check_zone"))
    for name, body, extra, method in commands:
        _command(group, name, body, [*extra, *properties], _command_help(method))
    return group


def _records(declaration: Declaration) -> typer.Typer:
    group = typer.Typer(help="The records of a hosted zone.", no_args_is_help=True)
    vendor = declaration.name
    client_class = _client_class(declaration)
    properties = _property_options(declaration, client_class)

    def show(action: str, domain: str, record: DnsRecord, json_: bool, **more: Any) -> None:
        if json_:
            _print_json(
                _document(vendor, domain=domain, action=action, record=record_json(record), **more)
            )
        else:
            table = _records_table([record])
            table.title = f"{action} in {domain}"
            out.print(table)

    def add_body(
        domain: Domain,
        type_: RecordTypeOption,
        name: Name,
        value: Value,
        priority: Priority = None,
        json_: Json = False,
        **options: Any,
    ) -> None:
        record = DnsRecord(type_, name, value, priority=priority)
        _using(declaration, options, "add_record", lambda c: c.add_record(domain, record))
        show("added", domain, record, json_)

    def update_body(
        domain: Domain,
        type_: RecordTypeOption,
        name: Name,
        value: Value,
        new_value: NewValue,
        priority: Priority = None,
        json_: Json = False,
        **options: Any,
    ) -> None:
        record = DnsRecord(type_, name, value, priority=priority)
        _using(
            declaration,
            options,
            "update_record",
            lambda c: c.update_record(domain, record, new_value),
        )
        show("updated", domain, attrs.evolve(record, value=new_value), json_, old_value=value)

    def delete_body(
        domain: Domain,
        type_: RecordTypeOption,
        name: Name,
        value: Value,
        priority: Priority = None,
        yes: Yes = False,
        json_: Json = False,
        **options: Any,
    ) -> None:
        record = DnsRecord(type_, name, value, priority=priority)
        _confirm_delete(yes, f"the {type_.value} record {name} from {domain}")
        _using(declaration, options, "delete_record", lambda c: c.delete_record(domain, record))
        show("deleted", domain, record, json_)

    def list_body(
        domain: Domain,
        type_: RecordTypeFilter = None,
        name: NameFilter = None,
        json_: Json = False,
        **options: Any,
    ) -> None:
        zone: Zone = _using(declaration, options, "get_zone", lambda c: c.get_zone(domain))
        wanted = name.lower().rstrip(".") if name else None
        records = [
            r
            for r in zone.records
            if (type_ is None or r.type is type_) and (wanted is None or r.name == wanted)
        ]
        if json_:
            _print_json(
                _document(vendor, domain=zone.domain, records=[record_json(r) for r in records])
            )
        elif records:
            table = _records_table(records)
            table.title = f"records of {zone.domain}"
            out.print(table)
        else:
            out.print(f"no records in {zone.domain}", markup=False, highlight=False)

    for command, body, method in (
        ("list", list_body, "list_records"),
        ("add", add_body, "add_record"),
        ("update", update_body, "update_record"),
        ("delete", delete_body, "delete_record"),
    ):
        _command(group, command, body, properties, _command_help(method))
    return group


def _vendor_help(declaration: Declaration) -> str:
    plays = {Role.SENDING_DOMAINS: "sending domains", Role.DNS: "DNS zones and records"}
    roles = " and ".join(plays[r] for r in sorted(declaration.roles) if r in plays)
    envs = ", ".join(c.env for c in declaration.credentials)
    if declaration.transport is not Transport.HTTP:
        zones = f"; the zones listed from {declaration.zones_env}" if declaration.zones_env else ""
        return f"{declaration.title}: {roles}. Server and key from {envs}{zones}."
    return (
        f"{declaration.title}: {roles}. Credentials from {envs}; the server from "
        f"{declaration.base_url_env} (default {_server_words(declaration)})."
    )


def _server_words(declaration: Declaration) -> str:
    """The default server and which environment it is: a vendor whose documented default is
    its own sandbox says so, and names its production server."""
    kind, url = next(iter(declaration.servers.items()))
    if kind == "production":
        return f"{url}, production"
    production = declaration.servers.get("production")
    then = f"; for production set {declaration.base_url_env}={production}" if production else ""
    return f"{url}, {declaration.title}'s sandbox, not production{then}"


def add_vendor_commands(app: typer.Typer) -> None:
    """``maildns <vendor> ...`` for every declared vendor, by the roles it plays."""
    for declaration in VENDORS.values():
        vendor = typer.Typer(help=_vendor_help(declaration), no_args_is_help=True)
        if Role.SENDING_DOMAINS in declaration.roles:
            vendor.add_typer(_sending_domains(declaration), name=declaration.noun)
        if Role.DNS in declaration.roles:
            vendor.add_typer(_zones(declaration), name="zones")
            vendor.add_typer(_records(declaration), name="records")
        app.add_typer(vendor, name=declaration.name)
