"""The specs say only what is known (docs/dev/conventions.md, "Evidence").

Evidence is the vendor's documentation (or a recording of the vendor's API). maildns's own
sandbox (``src/maildns/sandbox``) is built from the specs, so what it does proves nothing about
a vendor: no text of a spec may cite it. Every example is either the vendor's, citing the page
it comes from in ``x-source``, or ours, with a ``summary`` that starts with "Illustrative".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from .specs import SPECS, load, operations, promise, resolve, responses

# --- no text cites maildns's sandbox --------------------------------------------------------

# "the sandbox answers 201", "the sandbox's own", "our sandbox", "maildns's sandbox", "the
# local sandbox", "sandbox returns ...": maildns's stand-in cited as if it showed what a vendor
# does. A vendor's own test environment is named by its host (api.sandbox.tesouro.com) or as
# "Tesouro's sandbox"; "no separate sandbox is documented" says what the vendor docs say.
SANDBOX_AS_EVIDENCE = re.compile(
    r"\b(?:the|our|maildns(?:'s)?|local)\s+(?:own\s+)?sandbox\b"
    r"|\bsandbox\s+(?:answers|answered|returns|sends|uses|stores|checks|accepts|rejects|lists"
    r"|records|gives|does|shows|serves)\b",
    re.IGNORECASE,
)
# A sentence that names maildns's sandbox only to say that it is not evidence is allowed.
SAYS_NOT_EVIDENCE = re.compile(r"\bis\s+(?:not|never)\s+evidence\b", re.IGNORECASE)
# The prose of a spec: descriptions, summaries, x-unconfirmed questions and choices, notes.
TEXT_KEYS = {"description", "summary", "title", "question", "choice", "note"}


def _texts(node: Any, where: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{where}.{key}" if where else str(key)
            if key in TEXT_KEYS and isinstance(value, str):
                yield here, value
            elif key != "value":  # example bodies are data, not prose
                yield from _texts(value, here)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _texts(item, f"{where}[{i}]")


def sandbox_citations(text: str) -> list[str]:
    """The sentences of ``text`` that cite maildns's sandbox as evidence."""
    sentences = re.split(r"(?<=[.;!?])\s+", " ".join(text.split()))
    return [
        s for s in sentences if SANDBOX_AS_EVIDENCE.search(s) and not SAYS_NOT_EVIDENCE.search(s)
    ]


@pytest.mark.parametrize(
    ("text", "cites"),
    [
        ("Successful Response (Monite's status; the sandbox answers 201).", True),
        ("the message text is the sandbox's own.", True),
        ("Open string. The sandbox uses `verified` after verify.", True),
        ("For SRV the name must start with two '_' labels (checked by the sandbox).", True),
        ("Our sandbox sends 10.", True),
        ("As the maildns sandbox does.", True),
        ("Mailgun's wording; sandbox returns valid.", True),
        ("Sandbox", False),
        ("TelecomX API (production; no separate sandbox is documented)", False),
        ("Older Tesouro pages call api.sandbox.monite.com with the same bodies.", False),
        ("The guides call https://api.sandbox.tesouro.com/v1/... instead.", False),
        ("Tesouro's sandbox (api.sandbox.tesouro.com) is the vendor's.", False),
        ("maildns's sandbox follows this spec and is not evidence.", False),
    ],
)
def test_the_sandbox_rule_itself(text: str, cites: bool) -> None:
    assert bool(sandbox_citations(text)) is cites


@pytest.mark.parametrize("name", SPECS)
def test_no_text_cites_the_sandbox_as_evidence(name: str) -> None:
    found = [
        f"{where}: {sentence}"
        for where, text in _texts(load(name))
        for sentence in sandbox_citations(text)
    ]
    assert found == [], "cite the vendor's page, or mark the point x-unconfirmed:\n" + "\n".join(
        found
    )


# --- every example is the vendor's (cited) or labelled ours ---------------------------------

LABEL = "Illustrative"


def _media_examples(name: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, example object) for every example of every request and response body."""
    for op in operations(name):
        body = resolve(name, op.op.get("requestBody", {}))
        parts = [("request", body), *responses(name, op).items()]
        for status, part in parts:
            for media_type, media in (part.get("content") or {}).items():
                for ex_name, ex in (media.get("examples") or {}).items():
                    yield f"{op.method} {op.path} {status} {media_type} {ex_name}", ex


def _published_examples(name: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for op in operations(name):
        body = resolve(name, op.op.get("requestBody", {}))
        parts = [("request", body), *responses(name, op).items()]
        for status, part in parts:
            for media_type, media in (part.get("content") or {}).items():
                published = media.get("x-published-example")
                items = published if isinstance(published, list) else [published]
                for i, item in enumerate(x for x in items if x is not None):
                    yield f"{op.method} {op.path} {status} {media_type} [{i}]", item


def _vendor_pages(name: str, urls: Any) -> list[str]:
    """What in ``urls`` is not a list of https URLs of this vendor's documentation."""
    if not isinstance(urls, list) or not urls:
        return [f"not a non-empty list: {urls!r}"]
    return [
        str(url)
        for url in urls
        if not str(url).startswith("https://")
        or urlsplit(str(url)).hostname not in promise(name).documentation_hosts
    ]


def provenance_problems(name: str, ex: dict[str, Any]) -> list[str]:
    ours = str(ex.get("summary", "")).startswith(LABEL)
    cited = "x-source" in ex
    if ours and cited:
        return [f"both labelled {LABEL!r} and cited in x-source: one or the other"]
    if not ours and not cited:
        return [f"neither cites its vendor page (x-source) nor says {LABEL!r} (ours)"]
    if cited:
        return [f"x-source: {bad}" for bad in _vendor_pages(name, ex["x-source"])]
    return []


@pytest.mark.parametrize("name", SPECS)
def test_every_example_is_cited_or_labelled_ours(name: str) -> None:
    found = [
        f"{where}: {problem}"
        for where, ex in _media_examples(name)
        for problem in provenance_problems(name, ex)
    ]
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("name", SPECS)
def test_every_published_example_cites_its_page(name: str) -> None:
    found = [
        f"{where}: source {item.get('source')!r}"
        for where, item in _published_examples(name)
        if _vendor_pages(name, [item.get("source")]) != []
    ]
    assert found == [], "\n".join(found)


@pytest.mark.parametrize(
    ("name", "where", "example"),
    [(name, where, ex) for name in SPECS for where, ex in promise(name).our_examples],
)
def test_bodies_we_wrote_are_labelled_ours(name: str, where: str, example: str) -> None:
    found = {w: ex for w, ex in _media_examples(name) if w.startswith(f"{where} ")}
    matching = [ex for w, ex in found.items() if w.endswith(f" {example}")]
    assert matching, f"no example {example!r} at {where}"
    for ex in matching:
        assert str(ex.get("summary", "")).startswith(LABEL), ex.get("summary")
        assert "x-source" not in ex


# --- Tesouro's expired token: the published 400 and the 401 this spec expects ---------------

EXPIRED_BODY = {"error": {"message": "The token has been expired."}}
EXPIRED_PAGE = "https://docs.tesouro.com/embedded-banking/guides/authentication/client-credentials"


def test_tesouro_expired_token_departure_is_marked() -> None:
    mailbox_ops = [op for op in operations("tesouro") if "/mailbox-domains" in op.path]
    assert len(mailbox_ops) == 4
    for op in mailbox_ops:
        answers = responses("tesouro", op)
        unauthorized = answers["401"]
        notes = " ".join(f"{n['question']} {n['choice']}" for n in unauthorized["x-unconfirmed"])
        assert "400" in notes, notes
        assert "401" in notes, notes
        assert EXPIRED_PAGE in [s for n in unauthorized["x-unconfirmed"] for s in n["sources"]]
        # The published answer is carried too, under the status the page gives it.
        published = [
            ex
            for ex in answers["400"]["content"]["application/json"]["examples"].values()
            if ex.get("value") == EXPIRED_BODY
        ]
        assert published, f"{op.operation_id}: no published expired-token example under 400"
        assert all(ex.get("x-source") == [EXPIRED_PAGE] for ex in published)
