"""Where the server is and the TSIG key that signs every message, from the arguments or the
environment; the secret is remembered by the one redaction point as soon as it is read."""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import attrs
import dns.name
import dns.tsig
import dns.tsigkeyring

from ..._core.checks import fail, got
from ..._core.secrets import Secret, remember
from ...errors import ConfigurationError

ALGORITHMS: Final = {
    "hmac-sha1": dns.tsig.HMAC_SHA1,
    "hmac-sha224": dns.tsig.HMAC_SHA224,
    "hmac-sha256": dns.tsig.HMAC_SHA256,
    "hmac-sha384": dns.tsig.HMAC_SHA384,
    "hmac-sha512": dns.tsig.HMAC_SHA512,
    "hmac-md5": dns.tsig.HMAC_MD5,
}
DEFAULT_ALGORITHM: Final = "hmac-sha256"
DEFAULT_PORT: Final = 53
# A BIND key file (``tsig-keygen``): key "name" { algorithm a; secret "s"; };
# or Knot's (``keymgr -t``): key: - id: name / algorithm: a / secret: s
_FILE_NAME = re.compile(r'key\s+"?([^"\s{]+)"?\s*\{|\bid:\s*(\S+)')
_FILE_ALGORITHM = re.compile(r'algorithm[\s:]+"?([A-Za-z0-9.-]+)"?')
_FILE_SECRET = re.compile(r'secret[\s:]+"?([A-Za-z0-9+/=]+)"?')


@attrs.frozen(repr=False)
class Connection:
    """The server and the key (its secret masked in every text that leaves maildns)."""

    host: str
    port: int
    key_name: dns.name.Name
    algorithm: dns.name.Name
    keyring: dict[dns.name.Name, dns.tsig.Key]

    def __repr__(self) -> str:
        return f"<Connection {self.host}:{self.port} key {self.key_name}>"


def server_address(value: str, argument: str = "server") -> tuple[str, int]:
    """``host``, ``host:port`` or ``[v6]:port``: the host and port (53 by default)."""
    text = value.strip()
    host, port = text, DEFAULT_PORT
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest:
            port = _port(rest.removeprefix(":"), argument)
    elif text.count(":") == 1:
        host, _, digits = text.partition(":")
        port = _port(digits, argument)
    if not host:
        raise ConfigurationError(f"{argument} must be host or host:port, got {value!r}")
    return host, port


def _port(digits: str, argument: str) -> int:
    if not digits.isdigit() or not 0 < int(digits) < 65536:
        raise ConfigurationError(f"{argument}'s port must be 1-65535, got {digits!r}")
    return int(digits)


def check_option(value: object, argument: str) -> str | None:
    """A credential argument: None, or a non-empty str."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise fail(argument, f"must be a str, got {got(value)}")
    if not value:
        env = f"RFC2136_{argument.upper()}"
        raise fail(argument, f"must not be empty (leave it out to use {env})")
    return value


def connection(given: Mapping[str, str | Secret | None]) -> Connection:
    """The connection from the client's arguments, each falling back to its environment
    variable; ConfigurationError naming what is missing (never a secret's value)."""
    server, key_name, key_algorithm, key_file = (
        _plain(given.get(argument))
        for argument in ("server", "key_name", "key_algorithm", "key_file")
    )
    secret = given.get("key_secret")
    key_secret = secret.get() if isinstance(secret, Secret) else secret
    server = server or os.environ.get("RFC2136_SERVER") or None
    key_file = key_file or os.environ.get("RFC2136_KEY_FILE") or None
    given_secret = key_secret is not None or key_name is not None
    if key_file is not None and not given_secret:
        key_name, key_algorithm, key_secret = _read_key_file(Path(key_file))
    else:
        key_name = key_name or os.environ.get("RFC2136_KEY_NAME") or None
        key_secret = key_secret or os.environ.get("RFC2136_KEY_SECRET") or None
    key_algorithm = key_algorithm or os.environ.get("RFC2136_KEY_ALGORITHM") or DEFAULT_ALGORITHM
    if key_secret:
        remember(key_secret)
    lacking = [
        env
        for env, value in (
            ("RFC2136_SERVER", server),
            ("RFC2136_KEY_NAME", key_name),
            ("RFC2136_KEY_SECRET", key_secret),
        )
        if not value
    ]
    if lacking:
        raise ConfigurationError(
            "rfc2136 needs a server and a TSIG key: set "
            + ", ".join(lacking)
            + " (or RFC2136_KEY_FILE), or pass server, key_name and key_secret"
        )
    assert server
    assert key_name
    assert key_secret
    host, port = server_address(server)
    algorithm = ALGORITHMS.get(key_algorithm.lower().rstrip("."))
    if algorithm is None:
        known = ", ".join(ALGORITHMS)
        raise ConfigurationError(f"unknown TSIG algorithm {key_algorithm!r}: expected {known}")
    try:
        base64.b64decode(key_secret, validate=True)
    except (binascii.Error, ValueError):
        raise ConfigurationError("the TSIG key's secret is not base64") from None
    name = dns.name.from_text(key_name)
    keyring = {name: dns.tsig.Key(name, key_secret, algorithm)}
    return Connection(host, port, name, algorithm, keyring)


def _plain(value: str | Secret | None) -> str | None:
    return value.get() if isinstance(value, Secret) else value


def _read_key_file(path: Path) -> tuple[str, str, str]:
    try:
        text = path.read_text()
    except OSError as error:
        raise ConfigurationError(
            f"cannot read the TSIG key file {path}: {error.strerror}"
        ) from None
    name, algorithm, secret = (
        _FILE_NAME.search(text),
        _FILE_ALGORITHM.search(text),
        _FILE_SECRET.search(text),
    )
    if not (name and secret):
        raise ConfigurationError(
            f"{path} is not a TSIG key file (tsig-keygen's or keymgr -t's): "
            "no key name or no secret"
        )
    remember(secret.group(1))
    return (
        name.group(1) or name.group(2),
        algorithm.group(1) if algorithm else DEFAULT_ALGORITHM,
        secret.group(1),
    )
