"""Getting an export: from a file, or over HTTP with conditional requests (ETag, If-Modified-Since),
a size limit and a timeout, so a slow or huge answer cannot hold the sync or fill the memory."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import aiohttp

MAX_BYTES = 30 * 1024 * 1024  # FOSDEM's schedule.xml is about 3 MB
TIMEOUT_SECONDS = 30.0


class FetchError(Exception):
    """The export could not be had; the message says why in one line."""


@dataclass(frozen=True)
class Fetched:
    data: bytes | None  # None: not modified since the validators given
    etag: str | None = None
    last_modified: str | None = None


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


async def fetch(url: str, *, etag: str | None = None, last_modified: str | None = None,
                timeout: float = TIMEOUT_SECONDS, max_bytes: int = MAX_BYTES) -> Fetched:
    headers = {"User-Agent": "DelegateAssistant-schedule-sync", "Accept": "application/json, application/xml, text/xml, text/calendar, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session, \
                session.get(url, headers=headers, allow_redirects=True, max_redirects=5) as response:
            if response.status == 304:
                return Fetched(None, etag, last_modified)
            if response.status != 200:
                raise FetchError(f"HTTP {response.status} {response.reason or ''}".strip())
            body = bytearray()
            async for chunk in response.content.iter_chunked(64 * 1024):
                body += chunk
                if len(body) > max_bytes:
                    raise FetchError(f"the export is larger than {max_bytes // (1024 * 1024)} MB")
            return Fetched(bytes(body), response.headers.get("ETag"), response.headers.get("Last-Modified"))
    except asyncio.TimeoutError:
        raise FetchError(f"no complete answer within {timeout:g} s") from None
    except aiohttp.ClientError as exc:
        raise FetchError(f"{type(exc).__name__}: {exc}".rstrip(": ")) from None


async def read_source(source: str) -> bytes:
    """The bytes of a file or URL (the command line's FILE-OR-URL)."""
    if is_url(source):
        fetched = await fetch(source)
        return fetched.data or b""
    path = Path(source)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise FetchError(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
        return path.read_bytes()
    except FileNotFoundError:
        raise FetchError("file not found") from None
    except IsADirectoryError:
        raise FetchError("is a directory, not a file") from None
    except OSError as exc:
        raise FetchError(f"cannot be read: {exc.strerror}") from None
