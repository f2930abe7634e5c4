"""A vendor account named by reference: an environment-variable prefix, never a secret.

A domain's ``account: CIIRUS_EU`` under its vendor's settings means that the vendor's client
for that domain reads its usual variables under that prefix instead of the vendor's own:
``CIIRUS_EU_USERNAME`` and ``CIIRUS_EU_PASSWORD`` instead of ``CIIRUS_USERNAME`` and
``CIIRUS_PASSWORD``, and ``CIIRUS_EU_BASE_URL`` (optional: else the vendor's base URL, as
``CIIRUS_BASE_URL`` or the documented default give it). No account (``None``) is the vendor's
own variables, as always.

The prefix is the account's identity everywhere: in the plan, the journal and a saved plan, so
that a domain dropped from the configuration is pruned at the account that holds it, with no
configuration telling which. A client and its rate budget (``_core/pace.py``: one per vendor,
base URL and non-secret credential) are made per (vendor, account).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Final, TypeAlias, TypeGuard

from .._core.options import resolve_base_url
from ..errors import InvalidInputError
from ..vendors import Declaration

Key: TypeAlias = tuple[str, str | None]
"""(vendor, account): whose client a call goes through (account None: the vendor's own
variables)."""

ACCOUNT_MAX: Final = 40
_ACCOUNT: Final = re.compile(r"[A-Z][A-Z0-9_]*")
ACCOUNT_RULE: Final = (
    f"an environment-variable prefix: 1 to {ACCOUNT_MAX} upper-case letters, digits or '_', "
    "starting with a letter"
)


def is_account(value: object) -> TypeGuard[str]:
    """Whether ``value`` can name an account (see :data:`ACCOUNT_RULE`)."""
    return (
        isinstance(value, str)
        and len(value) <= ACCOUNT_MAX
        and bool(_ACCOUNT.fullmatch(value))
        and not value.endswith("_")
    )


def own_prefix(declaration: Declaration) -> str:
    """The prefix of the vendor's own variables (``CIIRUS``)."""
    return declaration.name.upper()


def variables(declaration: Declaration, account: str) -> dict[str, str]:
    """Credential argument -> the variable it is read from for ``account``."""
    return declaration.account_variables(account)


def base_url_variable(account: str) -> str:
    return f"{account}_BASE_URL"


def account_of(domain: object, vendor: str) -> str | None:
    """The account a configured domain is at with ``vendor`` (None: the vendor's own
    variables); any object with a ``vendors`` mapping will do (``accounts`` is optional)."""
    accounts = getattr(domain, "accounts", None)
    found = None if accounts is None else accounts.get(vendor)
    return found if isinstance(found, str) else None


def describe(key: Key) -> str:
    """``ciirus``, or ``ciirus (account CIIRUS_EU)``: for messages."""
    vendor, account = key
    return vendor if account is None else f"{vendor} (account {account})"


def _set(name: str, environ: Mapping[str, str]) -> bool:
    return bool(environ.get(name))


def missing(
    declaration: Declaration, account: str, environ: Mapping[str, str] | None = None
) -> str | None:
    """What the environment lacks for ``account`` (None: one whole set of credentials is
    there). Names variables, never their values."""
    env = os.environ if environ is None else environ
    names = variables(declaration, account)
    sets = declaration.credential_sets or (tuple(names),)
    whole = [group for group in sets if all(_set(names[a], env) for a in group)]
    if len(whole) == 1:
        return None
    if len(whole) > 1:
        listed = " or ".join(" and ".join(names[a] for a in group) for group in whole)
        return f"{listed} are all set: set only one of them"
    wanted = " and ".join(names[a] for a in sets[0])
    others = "".join(f" (or {' and '.join(names[a] for a in group)})" for group in sets[1:])
    unset = [names[a] for group in sets for a in group if not _set(names[a], env)]
    return f"needs {wanted}{others}; not set: {', '.join(dict.fromkeys(unset))}"


def bad_base_url(
    declaration: Declaration, account: str, environ: Mapping[str, str] | None = None
) -> str | None:
    """What is wrong with ``account``'s ``<ACCOUNT>_BASE_URL`` (None: unset, or an http(s)
    URL)."""
    env = os.environ if environ is None else environ
    name = base_url_variable(account)
    value = env.get(name)
    if not value:
        return None
    try:
        resolve_base_url(value, env=name, default=declaration.default_base_url)
    except InvalidInputError as error:
        return f"{name} {error.problems[0].message}"
    return None


def client_arguments(
    declaration: Declaration, account: str, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The keyword arguments of ``account``'s client: its credentials (one whole set) and, when
    its ``<ACCOUNT>_BASE_URL`` is set, its base URL. Check :func:`missing` first."""
    env = os.environ if environ is None else environ
    names = variables(declaration, account)
    sets = declaration.credential_sets or (tuple(names),)
    group = next(g for g in sets if all(_set(names[a], env) for a in g))
    arguments = {a: env[names[a]] for a in group}
    base_url = env.get(base_url_variable(account))
    if base_url:
        arguments["base_url"] = base_url
    return arguments
