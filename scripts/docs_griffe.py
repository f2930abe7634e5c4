"""A griffe extension for the Python API pages: reST roles in docstrings become code spans.

maildns's docstrings are written for both ``help()`` and the site. mkdocstrings renders them as
Markdown, where a Sphinx role such as ``:class:`~maildns.errors.NotFoundError``` would show as
written; this turns it into ```NotFoundError``` (the last component when the target starts with
``~``, as Sphinx does). Loaded by mkdocs.yml (``plugins.mkdocstrings...extensions``).
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:class|meth|func|attr|mod|data|exc|obj|const):`(~?)([^`]+)`")


def _code(match: re.Match[str]) -> str:
    target = match.group(2)
    if match.group(1):
        target = target.rsplit(".", 1)[-1]
    return f"`{target}`"


def plain_roles(text: str) -> str:
    return _ROLE.sub(_code, text)


class PlainRoles(griffe.Extension):
    """Rewrite every docstring's reST roles as Markdown code spans."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = plain_roles(obj.docstring.value)
