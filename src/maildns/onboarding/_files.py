"""Reading a file people hand to maildns (a configuration, a saved plan): a regular file of
bounded size, read at once, its problem as words.

A FIFO would wait for a writer forever and ``/dev/zero`` never ends, so anything but a regular
file is refused before a byte is read; the file is opened without blocking (opening a FIFO for
reading otherwise waits for a writer) and its kind is taken from the open descriptor, so that
nothing swapped in between a look and the read is read.
"""

from __future__ import annotations

import codecs
import errno
import os
import stat
from typing import Final

MIB: Final = 1024 * 1024

_KINDS: Final = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class FileProblem(Exception):
    """Why a file cannot be read, in words that follow its name (``is a directory, ...``);
    ``line`` is where in the file, when the problem has a place."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def size_text(limit: int) -> str:
    """``16 MiB`` (or bytes, for a limit under one)."""
    return f"{limit // MIB} MiB" if limit >= MIB and limit % MIB == 0 else f"{limit} bytes"


def read_regular(path: str | os.PathLike[str], limit: int, what: str) -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` of them; FileProblem when
    it is not a regular file, cannot be read, or is larger (``what`` names what it should be
    in that message: ``a configuration``)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise FileProblem(f"cannot read: {error.strerror or error}") from None
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            kind = next((n for test, n in _KINDS if test(status.st_mode)), "not a regular file")
            raise FileProblem(f"is {kind}, not a regular file")
        too_big = f"is larger than {size_text(limit)}, the most {what} may be"
        if status.st_size > limit:
            raise FileProblem(too_big)
        chunks: list[bytes] = []
        left = limit + 1  # one byte more than allowed tells a file that grew past the limit
        while left > 0:
            chunk = os.read(fd, min(left, MIB))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        if left <= 0:
            raise FileProblem(too_big)
        return b"".join(chunks)
    except OSError as error:
        if error.errno == errno.EISDIR:
            raise FileProblem("is a directory, not a regular file") from None
        raise FileProblem(f"cannot read: {error.strerror or error}") from None
    finally:
        os.close(fd)


def utf8_text(data: bytes) -> str:
    """``data`` as UTF-8 text (a byte order mark dropped); FileProblem naming the first byte
    that is not, with its line, or the encoding a UTF-16 or UTF-32 byte order mark says."""
    for bom, name in (
        (codecs.BOM_UTF32_LE, "UTF-32"),
        (codecs.BOM_UTF32_BE, "UTF-32"),
        (codecs.BOM_UTF16_LE, "UTF-16"),
        (codecs.BOM_UTF16_BE, "UTF-16"),
    ):
        if data.startswith(bom):
            raise FileProblem(f"is {name} text, not UTF-8: save it as UTF-8")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        bad = data[error.start]
        raise FileProblem(
            f"is not UTF-8 text (byte {error.start}: 0x{bad:02x})", line=line
        ) from None
