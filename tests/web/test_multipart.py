"""Reading multipart/related bodies as they stream in: parts whole whatever the piece boundaries, big parts in
spool files, clear errors for broken bodies."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest

from pypacs.web.multipart import MultipartError, Part, ReceivedPart, multipart_body, read_parts

T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run on a thread of its own: an event loop other tests leave running in this thread must not matter."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def pieces(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def received(data: bytes, size: int, **options: object) -> list[tuple[dict[str, str], bytes, bool]]:
    async def collect() -> list[tuple[dict[str, str], bytes, bool]]:
        parts: list[tuple[dict[str, str], bytes, bool]] = []
        part: ReceivedPart
        async for part in read_parts(pieces(data, size), "B0UND", 1 << 30, **options):  # type: ignore[arg-type]
            parts.append((part.headers, part.body.data, part.body.path is not None))
            part.body.discard()
        return parts

    return run(collect())


BODIES = [b"first part", b"", b"--B0UND inside but not after a CRLF", b"\r\n--B0UN", bytes(range(256)) * 40]


def body_of(bodies: list[bytes]) -> bytes:
    return b"".join(multipart_body([Part("application/dicom", [body]) for body in bodies], "B0UND"))


@pytest.mark.parametrize("size", [1, 2, 3, 7, 13, 64, 1000, 1 << 20])
def test_parts_come_whole_whatever_the_size_of_the_pieces(size: int):
    parts = received(body_of(BODIES), size)
    assert [body for _headers, body, _spooled in parts] == BODIES
    assert all(headers == {"content-type": "application/dicom"} for headers, _body, _spooled in parts)


def test_a_part_over_the_memory_limit_goes_to_a_spool_file_that_the_consumer_removes(tmp_path: Path):
    made: list[Path] = []

    def spool() -> Path:
        made.append(tmp_path / f"{len(made)}.part")
        return made[-1]

    parts = received(body_of([b"small", bytes(5000), b"x"]), 100, memory_limit=1000, spool=spool)
    assert [(len(body), spooled) for _headers, body, spooled in parts] == [(5, False), (5000, True), (1, False)]
    assert len(made) == 1 and not made[0].exists()


def test_preamble_padding_and_epilogue_are_ignored_and_a_part_may_have_no_headers():
    data = b"preamble\r\n--B0UND   \r\n\r\nno headers\r\n--B0UND--\r\nepilogue"
    assert received(data, 5) == [({}, b"no headers", False)]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"no boundary at all", "holds no part"),
        (b"--B0UND\r\nContent-Type: application/dicom\r\n\r\nabc", "without its closing boundary"),
        (b"--B0UND\r\n" + b"X" * 20000, "part headers longer than"),
    ],
)
def test_broken_bodies_are_multipart_errors(data: bytes, message: str):
    with pytest.raises(MultipartError, match=message):
        received(data, 7)


def test_a_part_over_the_size_limit_is_refused_and_its_spool_file_removed(tmp_path: Path):
    spooled = tmp_path / "big.part"

    async def read() -> None:
        async for part in read_parts(pieces(body_of([bytes(10_000)]), 512), "B0UND", 4000, memory_limit=100,
                                     spool=lambda: spooled):  # fmt: skip
            part.body.discard()

    with pytest.raises(MultipartError, match="larger than the 4000 bytes"):
        run(read())
    assert not spooled.exists()
