"""Serves the helpdesk console from the bot's own process, on 127.0.0.1 only (put a reverse proxy
with TLS in front of it, or an SSH tunnel, to reach it from elsewhere).

`serve` is a RunningBot background task: it starts with the bot and stops with it. HELPDESK_WEB_PORT=0
takes any free port (the tests do); `url` tells which.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from telegram.ext import Application

from bot.helpdesk.accounts import AgentService
from bot.helpdesk.service import HelpdeskService
from bot.helpdesk.web.app import Console
from bot.runtime import Services

log = logging.getLogger(__name__)
HOST = "127.0.0.1"


class HelpdeskConsole:
    def __init__(self, services: Services, helpdesk: HelpdeskService, agents: AgentService, port: int, host: str = HOST) -> None:
        self.services = services
        settings = services.settings
        self.console = Console(
            helpdesk, agents, self.reload_model,
            secure_cookies=settings.helpdesk_web_secure_cookies, trust_proxy=settings.helpdesk_web_trust_proxy,
        )
        self.host = host
        self.port = port
        self.started = asyncio.Event()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def reload_model(self) -> bool:
        """A console action: swap in the newest trained model now instead of within 30 s."""
        reload = getattr(self.services.interpreter, "reload_if_changed", None)
        return bool(await reload(self.services.settings.model_dir)) if reload is not None else False

    async def serve(self, app: Application) -> None:  # type: ignore[type-arg]
        """Runs until cancelled. A port in use is logged and the bot runs on without a console."""
        runner = web.AppRunner(self.console.application(), access_log=None, handler_cancellation=True, shutdown_timeout=5.0)
        await runner.setup()
        try:
            try:
                await web.TCPSite(runner, self.host, self.port).start()
            except OSError as exc:
                log.error("the helpdesk console cannot listen on %s:%s (%s); set HELPDESK_WEB_PORT", self.host, self.port, exc)
                return
            self.port = runner.addresses[0][1]
            self.started.set()
            log.info("helpdesk console at %s", self.url)
            await asyncio.Event().wait()
        finally:
            self.started.clear()
            await runner.cleanup()
