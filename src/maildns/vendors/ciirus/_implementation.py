"""CiiRUS's implementation, read by the generic client setup (see ``__init__.DECLARATION``)."""

from __future__ import annotations

from typing import Final

from ..._core.declaration import Implementation
from ._auth import ciirus_auth
from ._errors import parse_error
from ._operations import CiirusOperations

IMPLEMENTATION: Final = Implementation(
    auth=ciirus_auth,
    parse_error=parse_error,
    operations=CiirusOperations,
)
