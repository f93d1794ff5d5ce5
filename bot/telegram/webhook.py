"""Webhook mode: Telegram POSTs each update to our URL; we check its secret and queue it.

Only requests carrying the secret registered with setWebhook (X-Telegram-Bot-Api-Secret-Token) are
accepted: anyone else gets 403 and a log line with their address (never the body). A body that is not
an update gets 400 and is logged too; Telegram would retry a 5xx, so that is reserved for our faults.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/telegram"


def webhook_handler(app: Application, secret: str) -> Callable[[web.Request], Awaitable[web.Response]]:  # type: ignore[type-arg]
    expected = secret.encode()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            log.warning("webhook request refused: wrong or missing secret token (from %s)", request.remote)
            return web.Response(status=403, text="forbidden")
        try:
            data = json.loads(await request.read())
            update = Update.de_json(data, app.bot)
        except Exception as exc:  # whatever the body: a parse failure is the sender's problem, never ours
            log.warning("webhook request refused: not an update (%s, from %s)", type(exc).__name__, request.remote)
            return web.Response(status=400, text="not an update")
        if update is None:
            return web.Response(status=400, text="not an update")
        await app.update_queue.put(update)
        return web.Response(text="ok")

    return receive
