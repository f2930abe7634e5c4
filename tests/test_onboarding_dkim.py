"""DKIM key records (RFC 6376 §3.6.1, RFC 8463): key type, size and what receivers make of it.

The keys are made by openssl (in a subprocess), and every size is checked three ways: what
openssl says it made, what dkimpy (a DKIM implementation nobody here wrote) reads from the
record, and what we read. Our verdicts are checked against dkimpy's own verification: a
message it signs with the private key verifies against the record when we say it can.
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dkim
import pytest

from maildns.onboarding._dkim import FAIL_BELOW, WARN_BELOW, DkimError, DkimKey, judge

OPENSSL = shutil.which("openssl")
pytestmark = pytest.mark.skipif(
    OPENSSL is None, reason="the keys are made by openssl: apt-get install openssl"
)

SIZES = (512, 1024, 2047, 2048)
MESSAGE = (
    b"From: Sender <sender@example.com>\r\n"
    b"To: someone@example.org\r\n"
    b"Subject: hello\r\n"
    b"\r\n"
    b"A message to sign.\r\n"
)


def openssl(*args: str, data: bytes | None = None) -> bytes:
    assert OPENSSL is not None
    return subprocess.run([OPENSSL, *args], input=data, capture_output=True, check=True).stdout


@dataclass(frozen=True)
class RsaKey:
    bits: int
    """What openssl says it made."""
    private_pem: bytes
    spki: bytes
    """The public key as a DER SubjectPublicKeyInfo (what RFC 6376 asks for)."""
    pkcs1: bytes
    """The public key as a bare DER RSAPublicKey (what some vendors publish)."""


@dataclass(frozen=True)
class Ed25519Key:
    seed: bytes
    public: bytes
    spki: bytes


@pytest.fixture(scope="module")
def rsa_keys(tmp_path_factory: pytest.TempPathFactory) -> dict[int, RsaKey]:
    folder = tmp_path_factory.mktemp("rsa")
    keys = {}
    for size in SIZES:
        path = folder / f"{size}.pem"
        openssl("genrsa", "-out", str(path), str(size))
        text = openssl("rsa", "-in", str(path), "-noout", "-text").decode()
        found = re.search(r"Private-Key: \((\d+) bit", text)
        assert found is not None, text
        keys[size] = RsaKey(
            int(found[1]),
            path.read_bytes(),
            openssl("rsa", "-in", str(path), "-pubout", "-outform", "DER"),
            openssl("rsa", "-in", str(path), "-RSAPublicKey_out", "-outform", "DER"),
        )
    return keys


@pytest.fixture(scope="module")
def ed25519_key(tmp_path_factory: pytest.TempPathFactory) -> Ed25519Key:
    path: Path = tmp_path_factory.mktemp("ed25519") / "key.pem"
    openssl("genpkey", "-algorithm", "ed25519", "-out", str(path))
    private = openssl("pkey", "-in", str(path), "-outform", "DER")  # PKCS#8: the seed is last
    spki = openssl("pkey", "-in", str(path), "-pubout", "-outform", "DER")
    return Ed25519Key(private[-32:], spki[-32:], spki)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def dkimpy_reads(record: str) -> tuple[int, str]:
    """dkimpy's key size and type for a record, or its KeyFormatError."""
    _, size, ktag, _ = dkim.evaluate_pk(b"sel._domainkey.example.com", record.encode())
    return size, ktag.decode()


def dns(record: str) -> Callable[..., bytes]:
    def txt(name: bytes, timeout: float = 5) -> bytes:
        assert name == b"sel._domainkey.example.com."
        return record.encode()

    return txt


def dkimpy_verifies(record: str, private: bytes, algorithm: bytes = b"rsa-sha256") -> bool:
    signature = dkim.sign(MESSAGE, b"sel", b"example.com", private, signature_algorithm=algorithm)
    return bool(dkim.verify(signature + MESSAGE, dnsfunc=dns(record)))


# --------------------------------------------------------------------------- sizes


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("form", ["spki", "pkcs1"])
@pytest.mark.parametrize(
    "template",
    [
        "v=DKIM1; k=rsa; p={p}",
        "p={p}",
        "v=DKIM1;h=sha256;k=rsa;s=email;t=s;p={p};",
        "v=DKIM1; p={folded}",
    ],
)
def test_rsa_sizes_are_openssls_and_dkimpys(
    rsa_keys: dict[int, RsaKey], size: int, form: str, template: str
) -> None:
    key = rsa_keys[size]
    encoded = b64(key.spki if form == "spki" else key.pkcs1)
    folded = " ".join(encoded[i : i + 60] for i in range(0, len(encoded), 60))
    folded = folded.replace(" ", "\r\n\t", 1)  # whitespace of every kind inside p=
    record = template.format(p=encoded, folded=folded)
    ours = DkimKey.parse(record)
    assert ours.key_type == "rsa"
    assert ours.bits == key.bits == size
    assert dkimpy_reads(record) == (size, "rsa")
    assert ours.public_key == (key.spki if form == "spki" else key.pkcs1)


def test_ed25519_is_256_bits_as_dkimpy_reads_it(ed25519_key: Ed25519Key) -> None:
    record = f"v=DKIM1; k=ed25519; p={b64(ed25519_key.public)}"
    ours = DkimKey.parse(record)
    assert (ours.key_type, ours.bits) == ("ed25519", 256)
    assert dkimpy_reads(record) == (256, "ed25519")
    assert judge(record).verdict == "ok"


# --------------------------------------------------------------------------- verdicts


@pytest.mark.parametrize(
    ("size", "verdict", "reason"),
    [
        (512, "failure", "rsa key of 512 bits: verifiers refuse keys under 1024 bits"),
        (1024, "warning", "rsa key of 1024 bits: use 2048 bits or more"),
        (2047, "warning", "rsa key of 2047 bits: use 2048 bits or more"),
        (2048, "ok", "rsa key of 2048 bits"),
    ],
)
def test_rsa_verdicts_and_dkimpys_verification(
    rsa_keys: dict[int, RsaKey], size: int, verdict: str, reason: str
) -> None:
    key = rsa_keys[size]
    for der in (key.spki, key.pkcs1):
        record = f"v=DKIM1; k=rsa; p={b64(der)}"
        judged = judge(record)
        assert (judged.verdict, judged.reason) == (verdict, reason)
        assert judged.key == DkimKey.parse(record)
        # a receiver's verifier (dkimpy, at its default 1024-bit floor) agrees on failures
        assert dkimpy_verifies(record, key.private_pem) == (verdict != "failure")
    assert (FAIL_BELOW, WARN_BELOW) == (1024, 2048)


def test_an_ed25519_key_verifies(ed25519_key: Ed25519Key) -> None:
    record = f"v=DKIM1; k=ed25519; p={b64(ed25519_key.public)}"
    assert dkimpy_verifies(record, b64(ed25519_key.seed).encode(), b"ed25519-sha256")
    assert judge(record).reason == "ed25519 key of 256 bits"


def test_a_revoked_key_fails(rsa_keys: dict[int, RsaKey]) -> None:
    for record in ("v=DKIM1; k=rsa; p=", "v=DKIM1; p= ;", "p="):
        judged = judge(record)
        assert (judged.verdict, judged.reason) == ("failure", "the key is revoked (empty p=)")
        assert judged.key is not None
        assert judged.key.revoked
        assert judged.key.bits is None
        assert not dkimpy_verifies(record, rsa_keys[2048].private_pem)


def test_testing_mode_is_a_warning(rsa_keys: dict[int, RsaKey]) -> None:
    judged = judge(f"v=DKIM1; t=y:s; p={b64(rsa_keys[2048].spki)}")
    assert judged.verdict == "warning"
    assert judged.reason == (
        "rsa key of 2048 bits in testing mode (t=y): verifiers treat mail as unsigned"
    )
    assert judged.key is not None
    assert judged.key.flags == ("y", "s")


@pytest.mark.parametrize(
    ("tags", "reason"),
    [
        ("s=tlsrpt", "s=tlsrpt: the key is not for email"),
        ("h=sha1", "h=sha1: verifiers refuse every hash it allows (RFC 8301)"),
    ],
)
def test_keys_no_email_verifier_can_use_fail(
    rsa_keys: dict[int, RsaKey], tags: str, reason: str
) -> None:
    judged = judge(f"v=DKIM1; {tags}; p={b64(rsa_keys[2048].spki)}")
    assert (judged.verdict, judged.reason) == ("failure", reason)
    usable = judge(f"v=DKIM1; s=email:tlsrpt; h=sha1 : sha256; p={b64(rsa_keys[2048].spki)}")
    assert usable.verdict == "ok"
    assert usable.key is not None
    assert (usable.key.services, usable.key.hashes) == (("email", "tlsrpt"), ("sha1", "sha256"))


# --------------------------------------------------------------------------- unusable records


def malformed(keys: dict[int, RsaKey], ed: Ed25519Key) -> list[tuple[str, str]]:
    spki = b64(keys[2048].spki)
    return [
        ("v=DKIM1; k=rsa", "no p= tag"),
        (f"v=DKIM2; p={spki}", "v=DKIM2: a key record's version must be DKIM1"),
        (f"v=DKIM1; k=dsa; p={spki}", "k=dsa: an unknown key type"),
        ("v=DKIM1; p=!!!", "p= is not base64"),
        ("v=DKIM1; p=QUJD=", "p= is not base64"),
        (f"v=DKIM1; p={b64(keys[2048].spki[:-10])}", "p= is not an RSA public key"),
        (f"v=DKIM1; p={spki}; p={spki}", "tag p= appears twice"),
        (f"v=DKIM1; k=ed25519; p={b64(ed.spki)}", "the 32 raw bytes of an ed25519 key"),
        (f"v=DKIM1; k=ed25519; p={b64(ed.public[:31])}", "got 31"),
        (f"v=DKIM1; p={b64(ed.spki)}", "p= holds an ed25519 key: say k=ed25519"),
        (f"v=DKIM1;; p={spki}", "an empty tag"),
        (f"v=DKIM1; junk; p={spki}", "'junk' is not a tag"),
        (f"v=DKIM1; 9x=1; p={spki}", "'9x' is not a tag name"),
    ]


def test_malformed_records_fail_as_dkimpy_refuses_them(
    rsa_keys: dict[int, RsaKey], ed25519_key: Ed25519Key
) -> None:
    for record, reason in malformed(rsa_keys, ed25519_key):
        with pytest.raises(DkimError, match=re.escape(reason)):
            DkimKey.parse(record)
        judged = judge(record)
        assert judged.verdict == "failure"
        assert judged.reason.startswith("not a usable DKIM key: ")
        assert judged.key is None
        with pytest.raises((dkim.KeyFormatError, dkim.InvalidTagValueList)):
            dkimpy_reads(record)


def test_an_ec_key_is_not_rsa(tmp_path: Path) -> None:
    path = tmp_path / "ec.pem"
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", str(path))
    der = openssl("ec", "-in", str(path), "-pubout", "-outform", "DER")
    record = f"v=DKIM1; p={b64(der)}"
    with pytest.raises(DkimError, match="p= holds an EC key, which DKIM does not define"):
        DkimKey.parse(record)
    with pytest.raises(dkim.KeyFormatError):
        dkimpy_reads(record)


def test_v_must_come_first(rsa_keys: dict[int, RsaKey]) -> None:
    # RFC 6376 §3.6.1: "This tag MUST be the first tag in the record." dkimpy does not check.
    record = f"k=rsa; v=DKIM1; p={b64(rsa_keys[2048].spki)}"
    with pytest.raises(DkimError, match="v= must be the first tag"):
        DkimKey.parse(record)
    assert dkimpy_reads(record) == (2048, "rsa")


def test_tags_are_case_sensitive_and_unknown_ones_ignored(rsa_keys: dict[int, RsaKey]) -> None:
    spki = b64(rsa_keys[2048].spki)
    with pytest.raises(DkimError, match="no p= tag"):
        DkimKey.parse(f"v=DKIM1; P={spki}")  # P= is an unknown tag, not p=
    key = DkimKey.parse(f"v=DKIM1; x=whatever; n=a note; p={spki}")
    assert key.notes == "a note"
    assert key.version == "DKIM1"
    assert key.bits == 2048
