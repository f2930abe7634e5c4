"""A vendor, declared once: the facts every layer reads instead of repeating them.

Each ``maildns.vendors.<name>`` package holds one :class:`Declaration`: its name, the roles it
plays, its credential arguments and their environment variables, its servers, and where its
clients and its implementation (auth, error parser, operations) live. The declaration is plain
data and cheap to import; the implementation is loaded with the first client.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final

import attrs

if TYPE_CHECKING:
    from .auth import Auth
    from .options import Credentials


JSON_SCHEMA: Final = "json_schema"
"""The ``metadata`` key of a settings class's attrs field that holds what its type does not say
(a pattern, a range) as JSON Schema: the onboarding configuration's schema reads it."""


class Role(StrEnum):
    """What a vendor does for a sending domain (see :mod:`maildns.protocols`)."""

    SENDING_DOMAINS = "sending_domains"
    """It sends mail for a domain once the domain's records are published."""
    DNS = "dns"
    """It hosts zones and their records."""


class Transport(StrEnum):
    """How maildns reaches a vendor."""

    HTTP = "http"
    """An HTTP API with an OpenAPI spec, a base URL and a fake in the sandbox."""
    DNS = "dns"
    """DNS messages to the vendor's own server (RFC 2136 updates, zone transfers): no base
    URL, no spec, no fake in the sandbox."""


@attrs.frozen
class Credential:
    """One credential argument of a client and the environment variable it falls back to."""

    argument: str
    env: str
    secret: bool = False


@attrs.frozen
class RecordShape:
    """A record a sending-domain vendor may ask a domain to publish, as far as it is known
    before the vendor has answered: what the plan checks the zone against before anything is
    created, and what the vendor's real answer must fit.

    ``name`` is relative to the sending domain: ``""`` for the domain itself,
    ``"mandrill._domainkey"``, or ``"*._domainkey"`` for a label the vendor picks. ``value``
    (and an MX's ``priority``) is given when the vendor always asks for the same one (an SPF
    wish, its MX hosts); None when only its answer tells.
    """

    type: str
    """A :class:`~maildns.models.RecordType` value."""
    name: str
    purpose: str
    """A :class:`~maildns.models.RecordPurpose` value."""
    value: str | None = None
    priority: int | None = None

    def fits(self, domain: str, record_type: str, name: str) -> bool:
        """Whether a record of ``record_type`` at ``name`` (fully qualified) is this one."""
        if record_type != self.type:
            return False
        if not self.name:
            return name == domain
        if self.name.startswith("*."):
            suffix = f"{self.name[2:]}.{domain}"
            label, _, rest = name.partition(".")
            return bool(label) and rest == suffix
        return name == f"{self.name}.{domain}"

    def at(self, domain: str) -> str | None:
        """The fully qualified name for ``domain``; None when the vendor picks a label."""
        if self.name.startswith("*"):
            return None
        return f"{self.name}.{domain}" if self.name else domain


@attrs.frozen
class Implementation:
    """The heavy half of a vendor, loaded with its clients.

    ``auth(credentials, base_url)`` builds the vendor's :class:`~maildns._core.auth.Auth`;
    ``parse_error(status, body)`` reads ``(message, field)`` from an error body (the decoded
    JSON, or the text when it is not JSON); ``operations(**options)`` checks the vendor's own
    constructor options (``api_version``) and returns its sans-IO operations.
    """

    auth: Callable[[Credentials, str], Auth]
    parse_error: Callable[[int, Any], tuple[str | None, str | None]]
    operations: Callable[..., Any]


@attrs.frozen(eq=False)  # one object per vendor: compared and hashed by identity
class Declaration:
    """Everything maildns needs to know of a vendor before talking to it."""

    name: str
    """Lower-case id: errors' ``vendor``, the ``<NAME>_BASE_URL`` prefix, the sandbox's mount."""
    title: str
    """As people write it (``TelecomX``), in messages."""
    roles: frozenset[Role]
    credentials: tuple[Credential, ...]
    credential_sets: tuple[tuple[str, ...], ...]
    """Alternative complete sets of credential arguments (one set when there is no choice)."""
    servers: Mapping[str, str]
    """Documented server URLs by name; the first is the default base URL."""
    clients: tuple[str, str]
    """The sync and async client class names, exported from :mod:`maildns`."""
    exports: Mapping[str, str] = attrs.field(factory=dict)
    """Other public names (settings classes) and the module each lives in."""
    settings: Mapping[Role, str] = attrs.field(factory=dict)
    """For each role, the exported settings class its create method takes (a name in
    ``exports``): what a configuration's settings for this vendor are built into."""
    package: str = ""
    """The vendor's package (``maildns.vendors.<name>``)."""
    rate_limit: float | None = None
    """The documented requests per second per credential (None: the vendor documents none),
    what its clients keep to unless given another ``rate_limit``."""
    records: tuple[RecordShape, ...] = ()
    """What a sending-domain vendor may ask a domain to publish (see :class:`RecordShape`)."""
    reads_one_by_listing: bool = False
    """Whether the vendor's read of one sending domain (``get_sending_domain``) is a listing of
    every domain of the account, in one request (its API has no read of one domain and does not
    paginate the listing): a reader of many domains lists once and looks each one up in it
    (``watch`` does), instead of listing once per domain."""
    domains_per_account: int | None = None
    """How many sending domains one account (one set of credentials) holds (None: no limit)."""
    creates_zones: bool = True
    """Whether a DNS host can create and delete zones (RFC 2136 cannot: its zones exist on the
    server first, and a plan says so instead of creating one)."""
    zone_fields: tuple[str, ...] = ()
    """Fields of a DNS host's own model of a zone (``Zone.raw``) that the command line shows
    beside maildns's (TelecomX's ``customer`` and ``product``): what only this host has."""
    fault_body: Mapping[str, Any] | None = None
    """The JSON error body the sandbox answers an injected fault with, in the shape the
    vendor's spec gives its errors (None: the vendor has no HTTP API in the sandbox)."""
    noun: str = "domains"
    """What a sending-domain vendor's domains are called on the command line
    (``maildns <name> <noun> list``): the vendor's own word."""
    noun_help: str = "Sending domains."
    """The help of that command group."""
    option_help: Mapping[str, str] = attrs.field(factory=dict)
    """The command line's help for the vendor's own options, by the settings field or client
    method parameter each sets (``daily_send_limit``), or by ``operation.parameter``
    (``list_zones.customer``) where one operation means it differently; an option with none is
    helped by its name."""
    transport: Transport = Transport.HTTP
    """How it is reached: what ``doctor`` checks, and whether the sandbox, the specs and the
    HTTP contract tests know it (:data:`maildns.vendors.DECLARATIONS` holds the HTTP ones)."""
    address: str | None = None
    """For a vendor reached over DNS, the credential argument that says where its server is:
    what ``doctor`` names in each line."""
    zones_env: str | None = None
    """For a DNS host that cannot list the zones it serves (RFC 2136 cannot ask a server), the
    environment variable naming them (comma-separated): what its ``list_zones`` lists and
    ``doctor`` checks."""

    @property
    def base_url_env(self) -> str:
        return f"{self.name.upper()}_BASE_URL"

    @property
    def default_base_url(self) -> str:
        return next(iter(self.servers.values()))

    def account_variables(self, account: str) -> dict[str, str]:
        """Credential argument -> the environment variable it is read from for the account
        named by the prefix ``account`` (``CIIRUS_EU``: ``CIIRUS_EU_USERNAME``, ...)."""
        own = self.name.upper() + "_"
        return {
            c.argument: account + "_" + (c.env[len(own) :] if c.env.startswith(own) else c.argument)
            for c in self.credentials
        }

    def credential(self, argument: str) -> Credential:
        for credential in self.credentials:
            if credential.argument == argument:
                return credential
        raise KeyError(argument)

    @property
    def public_names(self) -> dict[str, str]:
        """Every name :mod:`maildns` exports for this vendor, and the module holding it."""
        names = dict.fromkeys(self.clients, f"{self.package}._clients")
        names.update({k: f"{self.package}.{v}" for k, v in self.exports.items()})
        return names

    def settings_class(self, role: Role) -> type[Any]:
        """The settings class of ``role`` (KeyError when the vendor does not play it)."""
        name = self.settings[role]
        module = importlib.import_module(f"{self.package}.{self.exports[name]}")
        cls: type[Any] = getattr(module, name)
        return cls

    def implementation(self) -> Implementation:
        module = importlib.import_module(f"{self.package}._implementation")
        implementation: Implementation = module.IMPLEMENTATION
        return implementation
