"""What every client is built from: base URL, timeouts, retries, credentials, the environment.

One rule for every vendor's credentials (see :func:`resolve_credentials`): a credential is a
non-empty ``str`` or ``None``; ``None`` falls back to its environment variable; a vendor with
alternative sets of credentials (TelecomX: a username and password, or a token) takes exactly
one set, from the arguments if any is given, else from the environment.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

from ..errors import ConfigurationError, InvalidInputError, Problem
from .secrets import RedactLogs, Secret, redact, redact_logs, remember

if TYPE_CHECKING:
    import httpx

    from .declaration import Credential, Declaration

DEFAULT_MAX_RETRIES: Final = 2
DEFAULT_CONNECT_TIMEOUT: Final = 5.0
DEFAULT_READ_TIMEOUT: Final = 30.0
DEFAULT_MAX_RESPONSE_BYTES: Final = 64 * 1024 * 1024
"""The largest decoded body an answer may have: a 20,000-record zone is a few megabytes."""
DEFAULT_DEADLINE: Final = 120.0
"""Seconds one request may take from sending to its last byte, however the bytes trickle."""
MAX_RESPONSE_BYTES_ENV: Final = "MAILDNS_MAX_RESPONSE_BYTES"
DEADLINE_ENV: Final = "MAILDNS_DEADLINE"
LOG_ENV: Final = "MAILDNS_LOG"
LOG_LEVELS: Final = ("debug", "info", "warning", "error")
LOG_FORMAT_ENV: Final = "MAILDNS_LOG_FORMAT"
LOG_FORMATS: Final = ("text", "json")

logger = logging.getLogger("maildns")
# A library's logger stays silent until the application configures logging.
logger.addHandler(logging.NullHandler())
# Whoever handles its records (our stderr handler, an application's own) gets them redacted.
redact_logs("maildns")


def default_timeout() -> httpx.Timeout:
    import httpx

    return httpx.Timeout(DEFAULT_READ_TIMEOUT, connect=DEFAULT_CONNECT_TIMEOUT)


def resolve_base_url(base_url: object, *, env: str, default: str) -> str:
    url = base_url if base_url is not None else (os.environ.get(env) or default)
    import httpx

    parsed: httpx.URL | None
    try:
        parsed = httpx.URL(url) if isinstance(url, str) else None
    except (TypeError, httpx.InvalidURL):
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        shown = repr(redact(url))[:80] if isinstance(url, str) else type(url).__name__
        raise InvalidInputError.one("base_url", f"must be an http(s) URL, got {shown}")
    assert isinstance(url, str)
    if parsed.userinfo:  # httpx sends it as HTTP Basic credentials: a secret like any other
        remember(parsed.password)
        remember(parsed.userinfo.decode("ascii", "replace"))
    return url.rstrip("/")


def resolve_timeout(timeout: object) -> httpx.Timeout:
    import httpx

    if timeout is None:
        return default_timeout()
    if isinstance(timeout, httpx.Timeout):
        return timeout
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
        raise InvalidInputError.one(
            "timeout", f"must be a positive number of seconds or an httpx.Timeout, got {timeout!r}"
        )
    seconds = float(timeout)
    return httpx.Timeout(seconds, connect=min(seconds, DEFAULT_CONNECT_TIMEOUT))


def _from_env(value: object, env: str, default: float) -> tuple[object, str]:
    """The argument, else its environment variable's text, else ``default``; and what to call
    it in a message."""
    if value is not None:
        return value, "got"
    text = os.environ.get(env, "").strip()
    if not text:
        return default, "got"
    try:
        return float(text), f"{env} is"
    except ValueError:
        return text, f"{env} is"


def resolve_max_response_bytes(value: object) -> int:
    """The argument, else ``MAILDNS_MAX_RESPONSE_BYTES``, else the default: a positive whole
    number of bytes."""
    size, where = _from_env(value, MAX_RESPONSE_BYTES_ENV, DEFAULT_MAX_RESPONSE_BYTES)
    whole = isinstance(size, int | float) and not isinstance(size, bool) and size == int(size)
    if not whole or not isinstance(size, int | float) or size < 1:
        raise InvalidInputError.one(
            "max_response_bytes", f"must be a positive whole number of bytes, {where} {size!r:.40}"
        )
    return int(size)


def resolve_deadline(value: object) -> float:
    """The argument, else ``MAILDNS_DEADLINE``, else the default: positive seconds."""
    seconds, where = _from_env(value, DEADLINE_ENV, DEFAULT_DEADLINE)
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, int | float)
        or not 0 < seconds < float("inf")
    ):
        raise InvalidInputError.one(
            "deadline", f"must be a positive number of seconds, {where} {seconds!r:.40}"
        )
    return float(seconds)


def check_max_retries(max_retries: object) -> int:
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise InvalidInputError(
            [Problem("max_retries", f"must be a non-negative integer, got {max_retries!r:.40}")]
        )
    return max_retries


def _check_credential(credential: Credential, value: object) -> Problem | None:
    """A credential argument is a non-empty str or None; its value is never shown."""
    if value is None:
        return None
    if not isinstance(value, str):
        return Problem(credential.argument, f"must be a str, got {type(value).__name__}")
    if not value:
        return Problem(
            credential.argument,
            f"must not be empty (leave it out to use {credential.env})",
        )
    return None


class Credentials:
    """A vendor's resolved credentials: each argument as given, else from its environment
    variable; secret ones held as :class:`Secret`. Missing ones are ``None`` until
    :meth:`require` reports them (at the first call that needs them)."""

    __slots__ = ("_declaration", "_values")

    def __init__(self, declaration: Declaration, values: Mapping[str, str | Secret | None]) -> None:
        self._declaration = declaration
        self._values = dict(values)

    def get(self, argument: str) -> str | None:
        value = self._values.get(argument)
        return value.get() if isinstance(value, Secret) else value

    def require(self, *arguments: str) -> None:
        """Raise ConfigurationError naming every missing one and its environment variable."""
        missing = [c for c in self._declaration.credentials if c.argument in arguments]
        missing = [c for c in missing if self._values.get(c.argument) is None]
        if not missing:
            return
        names = " and ".join(c.argument for c in missing)
        envs = " and ".join(c.env for c in missing)
        pronoun = "them" if len(missing) > 1 else "it"
        alternatives = [
            group for group in self._declaration.credential_sets if not set(group) & set(arguments)
        ]
        other = "".join(
            f" (or {' and '.join(group)}: "
            f"{' and '.join(self._declaration.credential(a).env for a in group)})"
            for group in alternatives
        )
        raise ConfigurationError(
            f"{self._declaration.title} needs {names}: pass {pronoun} to the client or set "
            f"{envs}{other}"
        )

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{k}={'<set>' if v is not None else None}" for k, v in self._values.items()
        )
        return f"<Credentials {shown}>"


def resolve_credentials(
    declaration: Declaration, arguments: Mapping[str, object], problems: list[Problem]
) -> Credentials | None:
    """The credentials to use, by the one rule; problems with the arguments go to ``problems``.

    With several credential sets (alternatives), the set is the one the given arguments belong
    to (arguments from two sets are an error); with no argument given, the one set whose
    environment variables are set (both sets set is an error, raised at the first call).
    """
    before = len(problems)
    for credential in declaration.credentials:
        problem = _check_credential(credential, arguments.get(credential.argument))
        if problem is not None:
            problems.append(problem)
    if len(problems) > before:
        return None
    given = {k for k, v in arguments.items() if v is not None}
    sets = declaration.credential_sets
    chosen: tuple[str, ...] | None = None
    if len(sets) > 1:
        touched = [group for group in sets if set(group) & given]
        if len(touched) > 1:
            listed = " or ".join(" and ".join(group) for group in sets)
            problems.append(
                Problem(
                    ", ".join(sorted(given)),
                    f"give {listed}, not both",
                )
            )
            return None
        if touched:
            chosen = touched[0]
        else:
            from_env = [
                group
                for group in sets
                if all(os.environ.get(declaration.credential(a).env) for a in group)
            ]
            chosen = from_env[0] if len(from_env) == 1 else None
            if len(from_env) > 1:
                envs = " or ".join(
                    " and ".join(declaration.credential(a).env for a in group) for group in from_env
                )
                return _Ambiguous(declaration, envs)
    elif sets:
        chosen = sets[0]
    values: dict[str, str | Secret | None] = {}
    for credential in declaration.credentials:
        if chosen is not None and credential.argument not in chosen:
            values[credential.argument] = None
            continue
        value = arguments.get(credential.argument)
        if value is None:
            value = os.environ.get(credential.env) or None
        assert value is None or isinstance(value, str)
        values[credential.argument] = (
            Secret(value) if value is not None and credential.secret else value
        )
    return Credentials(declaration, values)


class _Ambiguous(Credentials):
    """Both credential sets are in the environment: which one is meant cannot be told."""

    __slots__ = ("_envs",)

    def __init__(self, declaration: Declaration, envs: str) -> None:
        super().__init__(declaration, {c.argument: None for c in declaration.credentials})
        self._envs = envs

    def require(self, *arguments: str) -> None:
        raise ConfigurationError(
            f"{self._declaration.title} found {self._envs} all set: set only one of them, "
            "or pass the credentials to the client"
        )


_configured = False


def log_level_from_env() -> int | None:
    """The level ``MAILDNS_LOG`` names (None when unset); ConfigurationError naming the allowed
    values for anything else."""
    text = os.environ.get(LOG_ENV, "").strip()
    if not text:
        return None
    if text.lower() not in LOG_LEVELS:
        allowed = ", ".join(LOG_LEVELS)
        raise ConfigurationError(
            f"{LOG_ENV} must be one of {allowed} (or unset), got {text[:40]!r}"
        )
    level: int = getattr(logging, text.upper())
    return level


def log_format_from_env() -> str | None:
    """The format ``MAILDNS_LOG_FORMAT`` names (``text`` or ``json``; None when unset);
    ConfigurationError naming the allowed values for anything else."""
    text = os.environ.get(LOG_FORMAT_ENV, "").strip()
    if not text:
        return None
    if text.lower() not in LOG_FORMATS:
        allowed = ", ".join(LOG_FORMATS)
        raise ConfigurationError(
            f"{LOG_FORMAT_ENV} must be one of {allowed} (or unset), got {text[:40]!r}"
        )
    return text.lower()


def configure_logging_from_env() -> None:
    """``MAILDNS_LOG=debug`` (or info, warning, error) sends the ``maildns`` logger to stderr;
    ``MAILDNS_LOG_FORMAT=json`` writes it as JSON lines (:class:`.logjson.JsonLines`), at
    ``info`` unless ``MAILDNS_LOG`` says otherwise (a service asks for JSON to keep its logs).
    Any other value of either is a ConfigurationError."""
    global _configured
    level = log_level_from_env()
    form = log_format_from_env()
    if level is None and form == "json":
        level = logging.INFO
    if _configured or level is None:
        return
    _configured = True
    handler = logging.StreamHandler(sys.stderr)
    if form == "json":
        from .logjson import JsonLines

        handler.setFormatter(JsonLines())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    # The logger's own filter sees only its own records; on the handler, it also sees those
    # of its children (maildns.sandbox.dns, ...) that propagate to it.
    handler.addFilter(RedactLogs())
    logger.addHandler(handler)
    logger.setLevel(level)
