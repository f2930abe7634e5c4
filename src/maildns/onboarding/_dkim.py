"""DKIM key records as verifiers read them (RFC 6376 §3.6.1, ed25519 from RFC 8463). Pure.

The sending vendors publish a key at ``<selector>._domainkey.<domain>``; comparing it as a
string says whether it is the vendor's, not whether receivers can use it. :meth:`DkimKey.parse`
reads the record and the key inside it, and :func:`judge` says what receivers make of it:

- a failure: no usable key (unparseable, an unknown ``k=``, a service other than email, only
  hashes verifiers refuse), a revoked key (empty ``p=``), or an RSA key under 1024 bits,
  which verifiers must not accept (RFC 8301 §3.2);
- a warning: an RSA key under 2048 bits (RFC 8301 asks signers for 2048; the large mailbox
  providers recommend it), or a domain in testing mode (``t=y``), whose signatures verifiers
  treat as if the mail were unsigned;
- ok otherwise.

The key's DER goes through ``cryptography``, which reads both a SubjectPublicKeyInfo (what
RFC 6376 asks for) and a bare PKCS#1 RSAPublicKey (what some vendors publish), and refuses
trailing bytes or a malformed structure. An ed25519 key is its 32 raw bytes (RFC 8463 §4.2).
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Final, Literal, TypeAlias

import attrs

__all__ = [
    "FAIL_BELOW",
    "WARN_BELOW",
    "DkimError",
    "DkimKey",
    "Judgement",
    "Verdict",
    "judge",
]

Verdict: TypeAlias = Literal["ok", "warning", "failure"]

FAIL_BELOW: Final = 1024
"""RSA keys shorter than this many bits fail: verifiers must refuse them (RFC 8301 §3.2)."""
WARN_BELOW: Final = 2048
"""RSA keys shorter than this many bits are a warning (RFC 8301 §3.2 asks for 2048)."""

_KEY_TYPES: Final = frozenset({"rsa", "ed25519"})
_ED25519_BYTES: Final = 32
_FWS = re.compile(r"[ \t\r\n]+")
_TAG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_TAG_VALUE = re.compile(r"[\x21-\x3a\x3c-\x7e]+(?:[ \t\r\n]+[\x21-\x3a\x3c-\x7e]+)*")
_COLON = re.compile(r"[ \t\r\n]*:[ \t\r\n]*")
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")


class DkimError(ValueError):
    """A text that is not a usable DKIM key record, and why."""


def _tags(text: str) -> dict[str, str]:
    """The tag list (RFC 6376 §3.2): names case-sensitive, each at most once."""
    parts = text.split(";")
    if parts and not parts[-1].strip(" \t\r\n"):
        parts.pop()  # a final ';' is allowed
    tags: dict[str, str] = {}
    for index, part in enumerate(parts):
        spec = part.strip(" \t\r\n")
        name, equals, value = spec.partition("=")
        name, value = name.rstrip(" \t\r\n"), value.lstrip(" \t\r\n")
        if not equals:
            raise DkimError(f"{spec!r} is not a tag (name=value)" if spec else "an empty tag")
        if not _TAG_NAME.fullmatch(name):
            raise DkimError(f"{name!r} is not a tag name (a letter, then letters, digits or '_')")
        if value and not _TAG_VALUE.fullmatch(value):
            raise DkimError(f"{name}=: its value holds a character outside visible ASCII")
        if name in tags:
            raise DkimError(f"tag {name}= appears twice (RFC 6376 §3.2)")
        if name == "v" and index != 0:
            raise DkimError("v= must be the first tag (RFC 6376 §3.6.1)")
        tags[name] = value
    return tags


def _list(value: str) -> tuple[str, ...]:
    return tuple(_COLON.split(value)) if value else ()


def _bits(key_type: str, der: bytes) -> int:
    """The key's length in bits: the RSA modulus's, or 256 for ed25519."""
    if key_type == "ed25519":
        if len(der) != _ED25519_BYTES:
            raise DkimError(
                f"p= must be the 32 raw bytes of an ed25519 key (RFC 8463 §4.2), got {len(der)}"
            )
        return 256
    # Imported with the first key read, not with the engine: a plan of new domains reads none.
    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    try:
        key = load_der_public_key(der)
    except (ValueError, TypeError):
        raise DkimError(
            "p= is not an RSA public key (a DER SubjectPublicKeyInfo or RSAPublicKey)"
        ) from None
    if isinstance(key, EllipticCurvePublicKey):
        raise DkimError("p= holds an EC key, which DKIM does not define; k=rsa needs RSA")
    if isinstance(key, Ed25519PublicKey):
        raise DkimError("p= holds an ed25519 key: say k=ed25519 and give its 32 raw bytes")
    if not isinstance(key, RSAPublicKey):
        raise DkimError(f"p= holds a {type(key).__name__} key; k=rsa needs RSA")
    return key.key_size


@attrs.frozen
class DkimKey:
    """A DKIM key record.

    ``key_type`` is ``k=`` (``"rsa"`` when absent); ``public_key`` the bytes of ``p=``
    (empty when revoked); ``bits`` the key's length (``None`` when revoked); ``version``,
    ``hashes`` (``h=``, ``None``: any), ``services`` (``s=``, default ``("*",)``), ``flags``
    (``t=``) and ``notes`` (``n=``) as written.
    """

    key_type: str
    public_key: bytes
    bits: int | None
    version: str | None = None
    hashes: tuple[str, ...] | None = None
    services: tuple[str, ...] = ("*",)
    flags: tuple[str, ...] = ()
    notes: str | None = None

    @property
    def revoked(self) -> bool:
        return not self.public_key

    @property
    def testing(self) -> bool:
        return "y" in self.flags

    @classmethod
    def parse(cls, text: str) -> DkimKey:
        """Read a key record (its TXT strings joined); :class:`DkimError` says why it is none.

        Whitespace inside ``p=`` (folding) is dropped before decoding. An unknown ``k=`` is
        an error (verifiers ignore such a key); unknown tags are ignored.
        """
        tags = _tags(text)
        version = tags.get("v")
        if version is not None and version != "DKIM1":
            raise DkimError(f"v={version}: a key record's version must be DKIM1")
        key_type = tags.get("k", "rsa")
        if key_type not in _KEY_TYPES:
            raise DkimError(f"k={key_type}: an unknown key type (rsa or ed25519)")
        if "p" not in tags:
            raise DkimError("no p= tag: a key record needs one (RFC 6376 §3.6.1)")
        encoded = _FWS.sub("", tags["p"])
        if not _BASE64.fullmatch(encoded) or len(encoded) % 4:
            raise DkimError("p= is not base64")
        try:
            der = base64.b64decode(encoded, validate=True)
        except binascii.Error as error:
            raise DkimError(f"p= is not base64 ({error})") from None
        return cls(
            key_type=key_type,
            public_key=der,
            bits=_bits(key_type, der) if der else None,
            version=version,
            hashes=_list(tags["h"]) if "h" in tags else None,
            services=_list(tags["s"]) if "s" in tags else ("*",),
            flags=_list(tags.get("t", "")),
            notes=tags.get("n"),
        )


@attrs.frozen
class Judgement:
    """What receivers make of a key record: a verdict, the reason for people, and the key
    (``None`` when the record is not one)."""

    verdict: Verdict
    reason: str
    key: DkimKey | None = None


def judge(text: str) -> Judgement:
    """The :class:`Judgement` of a DKIM key record (see the module's rules)."""
    try:
        key = DkimKey.parse(text)
    except DkimError as error:
        return Judgement("failure", f"not a usable DKIM key: {error}")
    if key.revoked:
        return Judgement("failure", "the key is revoked (empty p=)", key)
    if not {"*", "email"} & set(key.services):
        services = ":".join(key.services)
        return Judgement("failure", f"s={services}: the key is not for email", key)
    if key.hashes is not None and "sha256" not in key.hashes:
        hashes = ":".join(key.hashes)
        return Judgement(
            "failure", f"h={hashes}: verifiers refuse every hash it allows (RFC 8301)", key
        )
    size = f"{key.key_type} key of {key.bits} bits"
    if key.key_type == "rsa" and key.bits is not None:
        if key.bits < FAIL_BELOW:
            return Judgement(
                "failure", f"{size}: verifiers refuse keys under {FAIL_BELOW} bits", key
            )
        if key.bits < WARN_BELOW:
            return Judgement("warning", f"{size}: use {WARN_BELOW} bits or more", key)
    if key.testing:
        return Judgement(
            "warning", f"{size} in testing mode (t=y): verifiers treat mail as unsigned", key
        )
    return Judgement("ok", size, key)
