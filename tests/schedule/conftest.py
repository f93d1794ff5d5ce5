"""A local HTTP server that serves a schedule export the way pretalx does (ETag, 304 Not Modified),
and that tests edit or break between syncs."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web


@dataclass
class ExportServer:
    body: bytes = b""
    status: int = 200  # another status: the server is failing
    requests: list[dict[str, str]] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append(dict(request.headers))
        if self.status != 200:
            return web.Response(status=self.status, text="the schedule server is down")
        etag = '"' + hashlib.sha1(self.body).hexdigest() + '"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=self.body, content_type="application/json", headers={"ETag": etag})


@pytest.fixture
async def export_server() -> AsyncIterator[ExportServer]:
    server = ExportServer()
    app = web.Application()
    app.router.add_get("/schedule.json", server.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    server.url = f"http://127.0.0.1:{port}/schedule.json"
    yield server
    await runner.cleanup()
