"""What a vendor app serves at a path, for the ``Allow`` header of its 405 answers.

Starlette's router answers 405 with the methods of the first route whose path matches, so a
path served by two routes (``GET`` and ``POST /finops/v1/mailbox-domains``) would claim only
one of them. RFC 9110 section 15.5.6: a 405 carries an ``Allow`` header listing them all.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.requests import Request
from starlette.routing import Route


def exact_methods(routes: Sequence[Route]) -> list[Route]:
    """``routes``, each serving exactly the methods it names: Starlette adds HEAD to a GET, and
    the vendors' specs do not list it (HEAD is answered 405 with ``Allow``)."""
    for route in routes:
        route.methods = set(route.methods or ()) - {"HEAD"}
    return list(routes)


def allowed_methods(request: Request) -> str:
    """Every method some route of ``request``'s app serves at its path, as an Allow value."""
    path = request.scope.get("path", "")
    root = request.scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :] or "/"
    methods: set[str] = set()
    for route in request.app.routes:
        if isinstance(route, Route) and route.methods and route.path_regex.match(path):
            methods |= route.methods
    return ", ".join(sorted(methods))
