"""DMARC's organisational domain (RFC 7489 §3.2) against two oracles nobody here wrote.

1. The Public Suffix List project's own test vectors (``tests/psl/test_psl.txt``, see the
   README there): ``checkPublicSuffix(name, registrable domain)``. Where the project expects
   none (``null``: the name is itself a public suffix, or not a valid name), RFC 7489 makes
   the name its own organisational domain. The IDN vectors run in A-labels and in U-labels.
2. ``publicsuffixlist`` as maildns used it before: ``PublicSuffixList()`` with its defaults
   (the list plus every rule's punycode form), on those vectors, on names under every rule
   of the shipped list, and on generated names in either form.

A name that mixes the forms (``example.個人.xn--j6w193g``) is the one place the two differ on
purpose: the default list matched such a name against neither form of a rule with two IDN
labels (``個人.香港``), so the same domain had two organisational domains; here it has one.
"""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from pathlib import Path

import idna
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from publicsuffixlist import PSLFILE, PublicSuffixList

from maildns.onboarding._dmarc import aligned, organisational_domain

VECTORS_FILE = Path(__file__).parent / "psl" / "test_psl.txt"
_CHECK = re.compile(r"checkPublicSuffix\((null|'[^']*'), (null|'[^']*')\);")


def _vectors() -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    for line in VECTORS_FILE.read_text(encoding="utf-8").splitlines():
        match = _CHECK.fullmatch(line)  # a vector commented out ('//check...') is not one
        if match is None:
            continue
        name, registrable = (None if g == "null" else g[1:-1] for g in match.groups())
        if name is not None:  # the null input: organisational_domain takes a str
            found.append((name, registrable))
    return found


VECTORS = _vectors()


def a_form(name: str) -> str:
    """``name`` with its U-labels as A-labels, as ``domain_name`` writes them (IDNA 2008)."""
    return ".".join(
        label if label.isascii() else idna.alabel(label).decode("ascii")
        for label in name.split(".")
    )


def u_form(name: str) -> str:
    """``name`` with its A-labels as U-labels."""
    return ".".join(
        idna.ulabel(label) if label.startswith("xn--") else label for label in name.split(".")
    )


def _in_both_forms(vectors: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    cases = dict.fromkeys(vectors)
    for name, registrable in vectors:
        if name.isascii() and "xn--" not in name:
            continue
        convert = a_form if not name.isascii() else u_form
        cases[(convert(name), None if registrable is None else convert(registrable))] = None
    return list(cases)


CASES = _in_both_forms(VECTORS)


def test_the_vectors_are_all_read() -> None:
    # 82 checkPublicSuffix lines: 4 commented out, 1 with a null input.
    assert len(VECTORS) == 77
    idn = [name for name, _ in CASES if not name.isascii() or "xn--" in name]
    assert len(idn) == 18
    assert {a_form(name) for name in idn} == {name for name in idn if name.isascii()}


@pytest.mark.parametrize(("name", "registrable"), CASES, ids=[n for n, _ in CASES])
def test_the_psl_projects_vectors(name: str, registrable: str | None) -> None:
    expected = name.lower() if registrable is None else registrable
    assert organisational_domain(name) == expected
    assert organisational_domain(name.upper() + ".") == expected.lower()
    assert aligned(f"mail.{name}", name) is (registrable is not None)


# --------------------------------------------------------------------------- the default list


@functools.cache
def _default_psl() -> PublicSuffixList:
    return PublicSuffixList()


def default_organisational_domain(name: str) -> str:
    """The organisational domain as maildns found it with the library's default list."""
    plain = name.strip().rstrip(".").lower()
    return _default_psl().privatesuffix(plain) or plain


def _rules() -> list[str]:
    """The shipped list's rules as the library reads them: a line's first word, unless a
    comment; ``!`` (an exception) and ``*`` (a wildcard) as written."""
    text = Path(PSLFILE).read_text(encoding="utf-8")
    words = (line.lower().split(" ")[0].rstrip() for line in text.splitlines())
    return [w for w in words if w and not w.startswith("//")]


RULES = _rules()
IDN_RULES = [r for r in RULES if not r.isascii()]


def test_the_vectors_against_the_default_list() -> None:
    for name, _ in CASES:
        assert organisational_domain(name) == default_organisational_domain(name), name


def test_the_list_writes_no_rule_in_a_labels() -> None:
    # Looking an A-label up as its U-label finds what the list writes in U-labels; a rule
    # written with an A-label would be missed (a list update doing so fails here first).
    assert len(RULES) > 9000
    assert len(IDN_RULES) > 400
    assert [r for r in RULES if "xn--" in r] == []


def test_a_name_under_every_rule_against_the_default_list() -> None:
    """In U-labels, in IDNA 2008's A-labels (``domain_name``'s), and in the IDNA codec's
    (IDNA 2003's: the punycode forms the default list holds; the two differ where a rule
    holds a character IDNA 2003 maps, such as ``ß``, which the list has none of today)."""
    differ: list[tuple[str, str, str]] = []
    for rule in RULES:
        base = rule.lstrip("!").replace("*", "wild")
        for u_name in (base, f"org.{base}", f"mail.org.{base}"):
            for name in {u_name, a_form(u_name), u_name.encode("idna").decode("ascii")}:
                new, old = organisational_domain(name), default_organisational_domain(name)
                if new != old:
                    differ.append((name, new, old))
    assert differ == []


# --------------------------------------------------------------------------- generated names

_LIST_LABELS = sorted({label for r in RULES for label in r.lstrip("!").split(".")} - {"*"})
_LIST_CHARS = sorted({c for r in IDN_RULES for c in r if not c.isascii()})
_IDN_LABELS = [label for label in _LIST_LABELS if not label.isascii()]

ldh_labels = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
u_labels = st.one_of(
    st.text(st.sampled_from([*_LIST_CHARS, "a", "0", "-"]), min_size=1, max_size=8),
    st.text(
        st.characters(min_codepoint=0x80, categories=("Ll", "Lu", "Lo", "Mn", "Nd")),
        min_size=1,
        max_size=6,
    ),
)
_upper_idn_labels = st.sampled_from(_IDN_LABELS).map(str.upper).filter(lambda u: u != u.lower())
# A-labels the IDNA codec would never write: not punycode, not canonical, upper case inside,
# nothing but ASCII inside; each must match no rule, as with the default list.
odd_a_labels = st.one_of(
    st.builds("xn--{}".format, st.text("abcdefghijklmnopqrstuvwxyz0123456789-", max_size=12)),
    st.builds(lambda u: "xn--" + u.encode("punycode").decode("ascii"), u_labels | ldh_labels),
    # A label of the list in upper case: the library lower-cases what it looks up.
    st.builds(lambda u: "xn--" + u.encode("punycode").decode("ascii"), _upper_idn_labels),
    st.sampled_from(["xn--", "xn--a", "xn--abc-", "xn--bcher-kva", "xn--bcher-kvaa"]),
)
# Built once: hypothesis labels a sampled_from by its elements, 10k rules each time.
_rules_idn_often = st.sampled_from(RULES) | st.sampled_from(IDN_RULES)
any_labels = st.one_of(ldh_labels, st.sampled_from(_LIST_LABELS), u_labels, odd_a_labels)


@st.composite
def label_lists(draw: st.DrawFn) -> list[str]:
    """A name's labels, IDN ones as U-labels: a rule of the list (or its tail, a wildcard
    filled in) under up to three labels."""
    rule = draw(_rules_idn_often)
    labels = rule.lstrip("!").split(".")
    labels = labels[draw(st.integers(0, len(labels) - 1)) :]
    labels = [draw(any_labels) if label == "*" else label for label in labels]
    return [*draw(st.lists(any_labels, max_size=3)), *labels]


def _a_label(label: str) -> str:
    """``label`` as an A-label: IDNA 2008's where it has one, else the bare punycode (which
    the IDNA codec never writes)."""
    if label.isascii():
        return label
    try:
        return idna.alabel(label).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return "xn--" + label.encode("punycode").decode("ascii")


def _canonical(label: str) -> bool:
    try:
        return label.isascii() or idna.ulabel(idna.alabel(label)) == label
    except (idna.IDNAError, UnicodeError):
        return False


# 150 batches of 4 to 8 names: the names under every rule above are the exhaustive part.
@settings(max_examples=150, deadline=None)
@given(batch=st.lists(label_lists(), min_size=4, max_size=8), data=st.data())
def test_generated_names_against_the_default_list(
    batch: list[list[str]], data: st.DataObject
) -> None:
    for labels in batch:
        a_name = ".".join(_a_label(label) for label in labels)
        names = [a_name]
        if not any(label.startswith("xn--") for label in labels):
            names.append(".".join(labels))  # all U-labels (an odd A-label would mix the forms)
        for name in names:
            shown = data.draw(st.sampled_from([name, name.upper(), f"{name}.", f" {name}. "]))
            assert organisational_domain(shown) == default_organisational_domain(shown)

        if all(_canonical(label) for label in labels):
            # Either form, or a mix of the two: the same domain, in the labels given.
            picks = data.draw(st.lists(st.booleans(), min_size=len(labels), max_size=len(labels)))
            mixed = [
                _a_label(label) if a else label for label, a in zip(labels, picks, strict=True)
            ]
            org = organisational_domain(".".join(mixed))
            assert org == ".".join(mixed[len(mixed) - len(org.split(".")) :]).lower()
            assert a_form(org) == organisational_domain(a_name)


@pytest.mark.parametrize(
    ("name", "org"),
    [
        ("example.個人.xn--j6w193g", "example.個人.xn--j6w193g"),
        ("www.example.xn--gmqw5a.香港", "example.xn--gmqw5a.香港"),
        ("example.個人.香港", "example.個人.香港"),
        ("www.example.xn--gmqw5a.xn--j6w193g", "example.xn--gmqw5a.xn--j6w193g"),
    ],
)
def test_a_name_mixing_the_forms_has_its_domains_organisational_domain(name: str, org: str) -> None:
    assert organisational_domain(name) == org
    assert aligned(name, f"mail.{org}")


def test_the_list_is_parsed_once_on_first_use() -> None:
    code = (
        "import maildns.onboarding._dmarc as d\n"
        "before = d._psl.cache_info().misses\n"
        "d.organisational_domain('mail.example.co.uk')\n"
        "d.aligned('a.xn--85x722f.xn--55qx5d.cn', '食狮.公司.cn')\n"
        "print(before, d._psl.cache_info().misses)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.split() == ["0", "1"]
