"""multipart/related for DICOMweb: writing streamed responses, reading request bodies part by part, and the
Accept header's media types with their parameters (type, transfer-syntax).

No archive or DICOM knowledge here: bytes, headers and media types only.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO


class MultipartError(ValueError):
    """A multipart body or header that cannot be understood; the message says what is wrong."""


@dataclass(frozen=True)
class MediaRange:
    """One entry of an Accept header, e.g. multipart/related; type="application/dicom"; transfer-syntax=*."""

    media_type: str
    parameters: dict[str, str] = field(default_factory=dict)
    quality: float = 1.0

    @property
    def inner_type(self) -> str:
        return self.parameters.get("type", "").lower()

    @property
    def transfer_syntax(self) -> str | None:
        return self.parameters.get("transfer-syntax")


_PARAMETER = re.compile(r';\s*([^=;\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;,]*)')


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an Accept header, best quality first (missing header: */*)."""
    if not header or not header.strip():
        return [MediaRange("*/*")]
    ranges = []
    for entry in _split_outside_quotes(header, ","):
        entry = entry.strip()
        if not entry:
            continue
        media_type = entry.split(";", 1)[0].strip().lower()
        parameters = {name.lower(): value.strip().strip('"') for name, value in _PARAMETER.findall(entry)}
        try:
            quality = float(parameters.pop("q", "1"))
        except ValueError:
            quality = 1.0
        ranges.append(MediaRange(media_type, parameters, quality))
    return sorted(ranges, key=lambda r: -r.quality)


def _split_outside_quotes(text: str, separator: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == separator and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def new_boundary() -> str:
    return uuid.uuid4().hex


@dataclass
class Part:
    content_type: str
    body: Iterable[bytes]  # chunks, so files can be streamed
    location: str | None = None


def multipart_body(parts: Iterable[Part], boundary: str) -> Iterator[bytes]:
    """The bytes of a multipart/related body, produced part by part."""
    for part in parts:
        header = f"--{boundary}\r\nContent-Type: {part.content_type}\r\n"
        if part.location:
            header += f"Content-Location: {part.location}\r\n"
        yield (header + "\r\n").encode()
        yield from part.body
        yield b"\r\n"
    yield f"--{boundary}--\r\n".encode()


def boundary_of(content_type: str) -> str:
    """The boundary parameter of a multipart Content-Type (MultipartError when absent)."""
    if not content_type.lower().startswith("multipart/related"):
        raise MultipartError(f"Content-Type {content_type!r} is not multipart/related")
    parameters = {name.lower(): value.strip().strip('"') for name, value in _PARAMETER.findall(content_type)}
    boundary = parameters.get("boundary")
    if not boundary:
        raise MultipartError("the multipart/related Content-Type has no boundary parameter")
    return boundary


class PartBody:
    """The body of a received part: in memory up to `memory_limit` bytes, then in a spool file from `spool`
    (bounded memory whatever the part's size). The consumer calls discard() when done with it."""

    def __init__(self, memory_limit: int, spool: Callable[[], Path] | None) -> None:
        self.memory_limit = memory_limit
        self.spool = spool
        self.size = 0
        self._memory = bytearray()
        self.path: Path | None = None
        self._file: BinaryIO | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.size += len(data)
        if self._file is None and self.spool is not None and self.size > self.memory_limit:
            self.path = self.spool()
            self._file = self.path.open("wb")
            self._file.write(self._memory)
            self._memory = bytearray()
        if self._file is not None:
            self._file.write(data)
        else:
            self._memory += data

    def finish(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    @property
    def data(self) -> bytes:
        """The body's bytes (read from the spool file when it went there)."""
        return bytes(self._memory) if self.path is None else self.path.read_bytes()

    @property
    def content(self) -> bytes | Path:
        """The bytes when in memory, else the spool file."""
        return self.path if self.path is not None else bytes(self._memory)

    def discard(self) -> None:
        self.finish()
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None
        self._memory = bytearray()


@dataclass
class ReceivedPart:
    headers: dict[str, str]
    body: PartBody

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "application/octet-stream")


MAX_HEADER_BYTES = 16 * 1024


async def read_parts(
    chunks: AsyncIterator[bytes],
    boundary: str,
    max_part: int,
    *,
    memory_limit: int = 8 * 1024 * 1024,
    spool: Callable[[], Path] | None = None,
) -> AsyncIterator[ReceivedPart]:
    """Parts of a multipart body as they arrive, each whole before it is yielded. Only a few pieces of the
    stream are held at once: a body goes into its PartBody as it comes (a spool file past `memory_limit`), and
    a part over `max_part` bytes is refused. The consumer discards each part's body."""
    delimiter = b"\r\n--" + boundary.encode()
    keep = len(delimiter) - 1  # bytes that may be the start of a delimiter split over two pieces
    buffer = bytearray(b"\r\n")  # so the first boundary looks like every other one
    state = "preamble"
    headers: dict[str, str] = {}
    body: PartBody | None = None
    try:
        async for chunk in chunks:
            if state == "done":
                continue  # the epilogue is ignored
            buffer += chunk
            while True:
                if state in ("preamble", "body"):
                    index = buffer.find(delimiter)
                    if index < 0:
                        if body is not None and len(buffer) > keep:
                            body.write(memoryview(buffer)[: len(buffer) - keep])
                            del buffer[: len(buffer) - keep]
                            if body.size > max_part:
                                raise MultipartError(f"a part is larger than the {max_part} bytes accepted")
                        elif body is None and len(buffer) > keep:
                            del buffer[: len(buffer) - keep]
                        break
                    if body is not None:
                        body.write(memoryview(buffer)[:index])
                        if body.size > max_part:
                            raise MultipartError(f"a part is larger than the {max_part} bytes accepted")
                        body.finish()
                        part, body = ReceivedPart(headers, body), None
                        yield part
                    del buffer[: index + len(delimiter)]
                    state = "delimiter"
                if state == "delimiter":  # "--" closes the body; anything else is transport padding to a CRLF
                    if len(buffer) < 2:
                        break
                    if buffer[:2] == b"--":
                        state = "done"
                        break
                    newline = buffer.find(b"\r\n")
                    if newline < 0:
                        if len(buffer) > MAX_HEADER_BYTES:
                            raise MultipartError("a boundary line does not end")
                        break
                    del buffer[: newline + 2]
                    state = "headers"
                if state == "headers":
                    if len(buffer) < 2:
                        break
                    if buffer[:2] == b"\r\n":
                        end, headers = 2, {}  # no headers
                    else:
                        found = buffer.find(b"\r\n\r\n")
                        if found < 0:
                            if len(buffer) > MAX_HEADER_BYTES:
                                raise MultipartError(f"part headers longer than {MAX_HEADER_BYTES} bytes")
                            break
                        end, headers = found + 4, _parse_headers(bytes(buffer[:found]))
                    del buffer[:end]
                    body = PartBody(memory_limit, spool)
                    state = "body"
    finally:
        if body is not None:
            body.discard()
    if state == "preamble":
        raise MultipartError("the body holds no part delimited by the boundary")
    if state != "done":
        raise MultipartError("the multipart body ends without its closing boundary")


def _parse_headers(head: bytes) -> dict[str, str]:
    headers = {}
    for line in head.decode("latin-1").split("\r\n"):
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return headers
