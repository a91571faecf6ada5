"""multipart/related for DICOMweb: writing streamed responses, reading request bodies part by part, and the
Accept header's media types with their parameters (type, transfer-syntax).

No archive or DICOM knowledge here: bytes, headers and media types only.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field


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


@dataclass(frozen=True)
class ReceivedPart:
    headers: dict[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "application/octet-stream")


async def read_parts(chunks: AsyncIterator[bytes], boundary: str, max_part: int) -> AsyncIterator[ReceivedPart]:
    """Parts of a multipart body as they arrive; only the part being read is held in memory (at most
    `max_part` bytes)."""
    delimiter = b"\r\n--" + boundary.encode()
    buffer = b"\r\n"  # so the first boundary looks like every other one
    scanned = 0  # the buffer before this offset holds no delimiter
    started = finished = in_boundary_line = False
    async for chunk in chunks:
        if finished:
            continue  # the epilogue is ignored
        buffer += chunk
        while True:
            if in_boundary_line:  # skip the rest of a boundary line (transport padding) up to its CRLF
                newline = buffer.find(b"\r\n")
                if newline < 0:
                    break
                buffer, scanned, in_boundary_line = buffer[newline:], 0, False
            index = buffer.find(delimiter, scanned)
            if index < 0:
                scanned = max(len(buffer) - len(delimiter), 0)
                if len(buffer) > max_part + len(delimiter):
                    raise MultipartError(f"a part is larger than the {max_part} bytes accepted")
                break
            after = buffer[index + len(delimiter) : index + len(delimiter) + 2]
            if len(after) < 2:
                scanned = index
                break  # wait for the bytes that say whether this is the last boundary
            if started:
                yield _parse_part(buffer[:index])
            started = True
            if after == b"--":
                finished = True
                break
            buffer, scanned, in_boundary_line = buffer[index + len(delimiter) :], 0, True
    if not started:
        raise MultipartError("the body holds no part delimited by the boundary")
    if not finished:
        raise MultipartError("the multipart body ends without its closing boundary")


def _parse_part(raw: bytes) -> ReceivedPart:
    raw = raw[2:] if raw.startswith(b"\r\n") else raw
    if raw.startswith(b"\r\n"):
        return ReceivedPart({}, raw[2:])  # no headers
    head, separator, body = raw.partition(b"\r\n\r\n")
    if not separator:
        raise MultipartError("a part has no blank line between its headers and its body")
    headers = {}
    for line in head.decode("latin-1").split("\r\n"):
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return ReceivedPart(headers, body)
