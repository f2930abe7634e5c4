"""Constructor arguments shared by every client: base URL, timeouts, retries, the environment."""

from __future__ import annotations

import logging
import os
import sys
from typing import Final

import httpx

from ._secrets import Secret
from .errors import ConfigurationError, InvalidInputError, Problem

DEFAULT_TIMEOUT: Final = httpx.Timeout(30.0, connect=5.0)
DEFAULT_MAX_RETRIES: Final = 2

logger = logging.getLogger("maildns")


def env_secret(value: str | None, env: str) -> Secret | None:
    """The argument if given, else the environment variable ``env``, as a Secret."""
    if value is None:
        value = os.environ.get(env) or None
    return None if value is None else Secret(value)


def env_value(value: str | None, env: str) -> str | None:
    if value is None:
        value = os.environ.get(env) or None
    return value


def require(vendor: str, **named: tuple[Secret | str | None, str]) -> None:
    """Raise ConfigurationError naming every missing credential and its environment variable."""
    missing = [(arg, env) for arg, (value, env) in named.items() if value is None]
    if missing:
        args = " and ".join(arg for arg, _ in missing)
        envs = " and ".join(env for _, env in missing)
        raise ConfigurationError(
            f"{vendor} needs {args}: pass {'them' if len(missing) > 1 else 'it'} to the client "
            f"or set {envs}"
        )


def resolve_base_url(
    base_url: str | None, *, env: str, default: str, argument: str = "base_url"
) -> str:
    url = base_url or os.environ.get(env) or default
    try:
        parsed = httpx.URL(url)
    except (TypeError, httpx.InvalidURL):
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise InvalidInputError.one(argument, f"must be an http(s) URL, got {url!r:.80}")
    return str(url).rstrip("/")


def resolve_timeout(
    timeout: float | httpx.Timeout | None, *, argument: str = "timeout"
) -> httpx.Timeout:
    if timeout is None:
        return DEFAULT_TIMEOUT
    if isinstance(timeout, httpx.Timeout):
        return timeout
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise InvalidInputError.one(
            argument, f"must be a positive number of seconds or an httpx.Timeout, got {timeout!r}"
        )
    return httpx.Timeout(float(timeout), connect=min(float(timeout), DEFAULT_TIMEOUT.connect or 5))


def check_max_retries(max_retries: int, *, argument: str = "max_retries") -> int:
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise InvalidInputError(
            [Problem(argument, f"must be a non-negative integer, got {max_retries!r:.40}")]
        )
    return max_retries


_configured = False


def configure_logging_from_env() -> None:
    """``MAILDNS_LOG=debug`` (or info, warning) sends the ``maildns`` logger to stderr."""
    global _configured
    level = os.environ.get("MAILDNS_LOG", "").strip().upper()
    if _configured or not level:
        return
    _configured = True
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(getattr(logging, level, logging.DEBUG))
