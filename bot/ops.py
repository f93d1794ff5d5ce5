"""The bot's own HTTP server: /healthz and /metrics for operators, the webhook in webhook mode, and
features' pages (Feature.http_routes, e.g. the chair's questions page, the Mini App at /app).

Listens on LISTEN:PORT (127.0.0.1:8443 by default). In polling mode a port already in use is logged
and the bot runs on without these endpoints; in webhook mode it is fatal, since updates would be lost.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import Sequence

from aiohttp import web
from sqlalchemy import text

from bot.outbox.service import depth
from bot.runtime import Services

log = logging.getLogger(__name__)
HEALTH_TIMEOUT = 3.0


async def _database_ok(services: Services) -> bool:
    try:
        async with services.database.session() as db:
            await asyncio.wait_for(db.execute(text("SELECT 1")), HEALTH_TIMEOUT)
        return True
    except Exception:
        return False


async def _outbox_depth(services: Services) -> int | None:
    try:
        async with services.database.session() as db:
            return await asyncio.wait_for(depth(db), HEALTH_TIMEOUT)
    except Exception:
        return None


def _dispatcher_counts(services: Services) -> dict[str, int] | None:
    return dataclasses.asdict(services.dispatcher.stats) if services.dispatcher is not None else None


def ops_routes(services: Services) -> list[web.RouteDef]:
    async def healthz(request: web.Request) -> web.Response:
        database = await _database_ok(services)
        body = {"status": "ok" if database else "unavailable", "database": database, "outbox_depth": await _outbox_depth(services) if database else None}
        if database:  # features' own details (the schedule sync)
            try:
                body.update(await asyncio.wait_for(services.features.health_details(), HEALTH_TIMEOUT))
            except Exception:
                log.warning("a health detail could not be read", exc_info=True)
        return web.json_response(body, status=200 if database else 503, dumps=json.dumps)

    async def metrics(request: web.Request) -> web.Response:
        rendered = services.metrics.render(await _outbox_depth(services), _dispatcher_counts(services))
        rendered += "".join(f"{line}\n" for line in await services.features.metrics_lines())  # features' own figures
        return web.Response(text=rendered, content_type="text/plain", charset="utf-8", headers={"X-Content-Type-Options": "nosniff"})

    return [web.get("/healthz", healthz), web.get("/metrics", metrics)]


class OpsServer:
    """An aiohttp site with the ops routes and any extra ones (the webhook)."""

    def __init__(self, services: Services, extra: Sequence[web.AbstractRouteDef] | None = None, *, required: bool = False) -> None:
        self.services = services
        self.required = required
        self._app = web.Application(client_max_size=1024 * 1024)
        self._app.add_routes([*ops_routes(services), *(extra or [])])
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    async def start(self) -> None:
        settings = self.services.settings
        runner = web.AppRunner(self._app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, settings.listen, settings.port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            if self.required:
                raise
            log.error("cannot serve /healthz and /metrics on %s:%s (%s); set LISTEN/PORT", settings.listen, settings.port, exc)
            return
        self._runner = runner
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else settings.port
        self.services.http_port = self.port  # for absolute links when PORT=0 took any free port
        log.info("HTTP endpoints on http://%s:%s (/healthz, /metrics)", settings.listen, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


