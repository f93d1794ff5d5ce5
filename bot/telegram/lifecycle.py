"""Starting and stopping the whole bot inside a running event loop (used by `run`, tests, benchmarks)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import web
from telegram import Update

from bot.db import is_outage
from bot.feature import BackgroundTask
from bot.ops import OpsServer
from bot.runtime import Services
from bot.settings import SettingsError
from bot.telegram.app import build_application, register_command_menus
from bot.telegram.webhook import WEBHOOK_PATH, webhook_handler

log = logging.getLogger(__name__)


class RunningBot:
    """The Application polling for updates plus the feature loops (outbox, reminders, ...)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.app = build_application(services)
        self._tasks: list[asyncio.Task[None]] = []
        settings = services.settings
        self.webhook = bool(settings.webhook_url)
        extra = [web.post(WEBHOOK_PATH, webhook_handler(self.app, settings.webhook_secret or ""))] if self.webhook else []
        extra += services.features.http_routes()  # features' pages (e.g. the chair's questions page)
        self.http = OpsServer(services, extra, required=self.webhook)

    async def start(self, *, poll_interval: float = 0.0) -> None:
        settings = self.services.settings
        if self.webhook and not settings.webhook_secret:
            raise SettingsError("WEBHOOK_SECRET: required in webhook mode (Telegram sends it with every update)")
        self.services.database.claim_runner()
        await self.app.initialize()
        await register_command_menus(self.app, self.services)
        await self.app.start()
        await self.http.start()
        if self.webhook:
            # Telegram stops answering getUpdates once a webhook is set, and vice versa.
            await self.app.bot.set_webhook(
                settings.webhook_url or "", secret_token=settings.webhook_secret, allowed_updates=Update.ALL_TYPES,
            )
            log.info("webhook mode: Telegram posts updates to the webhook URL (path %s)", WEBHOOK_PATH)
        else:
            assert self.app.updater is not None
            await self.app.updater.start_polling(poll_interval=poll_interval, timeout=10, allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
        for factory in self.services.features.background():
            self._tasks.append(asyncio.create_task(self._guard(factory), name=getattr(factory, "__name__", "background")))
        log.info("bot started")

    async def _guard(self, factory: BackgroundTask) -> None:
        """Restarts a background loop that crashed, with a pause, instead of losing it silently."""
        name, pause = getattr(factory, "__name__", factory), 1.0
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            try:
                await factory(self.app)
                return
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if is_outage(error):  # a database restart: expected, no traceback, wait longer each time
                    if loop.time() - started > 60:
                        pause = 1.0  # a new outage, not the same one going on
                    log.warning("background task %s: database unavailable (%s); retrying in %.0f s", name, type(error).__name__, pause)
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, 10.0)
                    continue
                log.exception("background task %s crashed; restarting in 1 s", name)
                pause = 1.0
                await asyncio.sleep(1.0)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        await self.http.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()
        await self.services.ledger.close()
        self.services.database.release_runner()
        log.info("bot stopped")
