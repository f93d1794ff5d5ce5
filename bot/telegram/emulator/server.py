"""The local Telegram Bot API: an aiohttp server that python-telegram-bot talks to as if it were Telegram.

    async with BotApiEmulator() as emu:
        bot = Bot("123456:TEST", base_url=emu.base_url, base_file_url=emu.base_file_url)

Routes
  /bot<token>/<method>          the Bot API (GET or POST; query string, JSON, urlencoded or multipart
                                parameters; method names case-insensitive). Any token "<digits>:<chars>"
                                works; the digits are the bot's user id (getMe).
  /file/bot<token>/<file_path>  file downloads (getFile's file_path)
  /_emulator/...                the control API, for other processes and the terminal chat:

  GET  /_emulator                          {"bot": ..., "users": [...], "groups": [...], "pending_updates": n}
  POST /_emulator/users                    {"id", "first_name", "last_name"?, "username"?, "language_code"?}
  POST /_emulator/groups                   {"id" (negative), "title"}
  POST /_emulator/users/<id>/updates       the person does something; {"kind": ..., "chat_id"?: group id}:
        "text"      {"text", "reply_to_message_id"?}     "command"  {"text": "/agenda day 2"}
        "callback"  {"message_id", "button"? (its text) | "callback_data"?, "forged"?: true}
        "sticker"   {"emoji"?}     "photo" {"caption"?}    "voice" {"duration"?}
        "location"  {"latitude", "longitude"}              "edit"     {"message_id", "text"}
  POST /_emulator/users/<id>/block         {"blocked": true|false}
  GET  /_emulator/chats/<chat_id>/messages?after=<seq>&since=<message_id>&wait=<seconds>
                                           what the bot put into the chat after feed position `seq`
                                           (edits included, each with its "seq") and, with `since`,
                                           only messages with a higher message_id; waits up to
                                           `wait` seconds for something new
  GET  /_emulator/callback_queries/<id>    whether and how the bot answered a button press
  GET  /_emulator/calls?method=&chat_id=&after=<index>   recorded Bot API calls
  POST /_emulator/faults                   a Faults as JSON ({"rate", "kinds", "seed", "timeout_delay",
                                           "timeout_delivers", "inject": [...]}) or null to switch off
  POST /_emulator/limits                   {"enabled"?, "global_per_second"?, ...}; resets the buckets

Every answer of the control API is {"ok": true, "result": ...} or {"ok": false, "description": ...}.

Bot API methods: getMe, getUpdates, setWebhook, deleteWebhook, getWebhookInfo, sendMessage,
sendVenue, sendLocation, sendPhoto, sendDocument, copyMessage, forwardMessage, editMessageText,
editMessageReplyMarkup, deleteMessage, answerCallbackQuery, sendChatAction, setMyCommands,
getMyCommands, deleteMyCommands, setChatMenuButton, getChatMenuButton, getChat, getFile,
set/getMyDescription, set/getMyShortDescription, set/getMyName, close, logOut (see methods.py).
Anything else answers 404 Not Found, as Telegram does for unknown methods.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp import web

from bot.telegram.emulator.control import control_routes
from bot.telegram.emulator.faults import Faults
from bot.telegram.emulator.limits import Limits
from bot.telegram.emulator.methods import BotApi
from bot.telegram.emulator.params import ParamError, Params
from bot.telegram.emulator.state import CallRecord, EmulatorState, SentMessage
from bot.telegram.emulator.users import EmulatedGroup, EmulatedUser

log = logging.getLogger("bot.telegram.emulator")


DEFAULT_BOT_USERNAME = "delegate_assistant_bot"

class BotApiEmulator:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        limits: Limits | None = None,
        faults: Faults | None = None,
        bot_username: str = DEFAULT_BOT_USERNAME,
        *,
        bot_name: str = "Delegate Assistant",
        callback_query_ttl: float = 15.0,
        wall_clock: Callable[[], float] = time.time,
        webhook_retry_delay: float = 0.2,
    ) -> None:
        """`limits.clock` is the emulator's monotonic clock (rates, callback query expiry, call times);
        `wall_clock` gives the messages' dates (pass `lambda: clock.now().timestamp()` to follow the
        application's clock)."""
        self.host = host
        self.port = port
        limits = limits if limits is not None else Limits()
        self.state = EmulatorState(
            bot_username=bot_username, bot_name=bot_name, wall_clock=wall_clock, monotonic=limits.clock
        )
        self.api = BotApi(self.state, limits, faults, callback_query_ttl)
        self.webhook_retry_delay = webhook_retry_delay
        self._users: dict[int, EmulatedUser] = {}
        self._groups: dict[int, EmulatedGroup] = {}
        self._runner: web.AppRunner | None = None
        self._webhook_task: asyncio.Task[None] | None = None

    # ----------------------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._bot_call)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        app.router.add_routes(control_routes(self))
        self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self.api.closing = False
        self._webhook_task = asyncio.create_task(self._send_webhooks(), name="emulator-webhooks")
        log.info("Bot API emulator listening on %s", self.url)

    async def stop(self) -> None:
        self.api.closing = True  # pending long polls answer at once
        self.state.changed.notify()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiEmulator:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For PTB's `base_url`: PTB appends the token."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    # ------------------------------------------------------------------------ configuration

    @property
    def limits(self) -> Limits:
        return self.api.limits

    @limits.setter
    def limits(self, limits: Limits) -> None:
        self.api.limits = limits

    @property
    def faults(self) -> Faults | None:
        return self.api.faults

    @faults.setter
    def faults(self, faults: Faults | None) -> None:
        self.api.faults = faults

    # ------------------------------------------------------------------------ people, chats

    def user(
        self,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> EmulatedUser:
        """A person with a private chat with the bot (the same object for the same id)."""
        account = self.state.add_user(
            user_id, first_name, last_name=last_name, username=username, language_code=language_code
        )
        if user_id not in self._users:
            self._users[user_id] = EmulatedUser(self, account)
        return self._users[user_id]

    def group(self, chat_id: int, title: str, *, chat_type: str | None = None) -> EmulatedGroup:
        """A group chat the bot is in (ids starting with -100 are supergroups)."""
        chat = self.state.add_group(chat_id, title, chat_type)
        if chat_id not in self._groups:
            self._groups[chat_id] = EmulatedGroup(self, chat)
        self._groups[chat_id].chat = chat
        return self._groups[chat_id]

    @property
    def users(self) -> list[EmulatedUser]:
        return list(self._users.values())

    @property
    def groups(self) -> list[EmulatedGroup]:
        return list(self._groups.values())

    # ------------------------------------------------------------------------- observations

    @property
    def calls(self) -> list[CallRecord]:
        return list(self.state.calls)

    def calls_to(self, method: str) -> list[CallRecord]:
        return [call for call in self.state.calls if call.method.lower() == method.lower()]

    def sent_messages(self, chat_id: int) -> list[SentMessage]:
        """The bot's messages in a chat as they are now (edits applied, deleted ones left out)."""
        return self.state.sent_messages(chat_id)

    def feed(self, chat_id: int) -> list[SentMessage]:
        """Everything the bot put into a chat, edits included, in order."""
        return list(self.state.feed.get(chat_id, []))

    @property
    def pending_updates(self) -> list[dict]:
        return self.state.pending_updates()

    async def wait_until_consumed(self, timeout: float = 10.0) -> None:
        """Wait until the bot has fetched and confirmed every update (its getUpdates offset passed them)."""
        if not await self.state.changed.wait_for(lambda: not self.state.pending_updates(), timeout):
            raise TimeoutError(
                f"the bot did not consume {len(self.state.pending_updates())} updates within {timeout:g} s"
            )

    def commands(self, scope: dict | None = None, language_code: str = "") -> list[dict]:
        """The commands stored by setMyCommands for exactly this scope and language."""
        return self.state.commands.get((json.dumps(scope or {"type": "default"}, sort_keys=True), language_code), [])

    def commands_for(self, user: EmulatedUser) -> list[dict]:
        """The command menu this person sees, with Telegram's fallback from narrow scopes to default."""
        language = user.language_code or ""
        scopes: tuple[dict[str, Any], ...] = ({"type": "chat", "chat_id": user.id}, {"type": "all_private_chats"}, {"type": "default"})
        for scope in scopes:
            for code in dict.fromkeys((language, "")):
                found = self.commands(scope, code)
                if found:
                    return found
        return []

    # --------------------------------------------------------------------------------- HTTP

    async def _bot_call(self, request: web.Request) -> web.StreamResponse:
        token, method = request.match_info["token"], request.match_info["method"]
        try:
            params = await Params.from_request(request)
        except ParamError as error:
            answer = self.api.reject(method, str(error))
        else:
            answer = await self.api.call(token, method, params)
        if answer.reset:
            return await _reset(request)
        if answer.delay:
            await asyncio.sleep(answer.delay)
        if answer.text is not None:
            return web.Response(status=answer.status, text=answer.text, content_type="text/html")
        return web.json_response(answer.body, status=answer.status)

    async def _file(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        stored = next((file for file in self.state.files.values() if file.file_path == path), None)
        if stored is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")

    async def _send_webhooks(self) -> None:
        """POST each pending update to the webhook, in order; retry failures with a growing pause."""
        state = self.state
        delay = self.webhook_retry_delay
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            while True:
                await state.changed.wait_for(lambda: state.webhook is not None and bool(state.pending_updates()), None)
                webhook = state.webhook
                assert webhook is not None
                update = state.pending_updates()[0]
                headers = {"X-Telegram-Bot-Api-Secret-Token": webhook.secret_token} if webhook.secret_token else {}
                try:
                    async with session.post(webhook.url, json=update, headers=headers) as response:
                        error = (
                            None
                            if 200 <= response.status < 300
                            else f"Wrong response from the webhook: {response.status} {response.reason}"
                        )
                except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as failure:
                    error = f"Connection failed: {failure or type(failure).__name__}"
                if error is None:
                    state.updates = [
                        pending for pending in state.updates if pending["update_id"] != update["update_id"]
                    ]
                    state.changed.notify()
                    delay = self.webhook_retry_delay
                    continue
                webhook.last_error_date, webhook.last_error_message = state.now(), error
                log.info(
                    "webhook delivery of update %s failed: %s (retry in %.1f s)", update["update_id"], error, delay
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)


async def _reset(request: web.Request) -> web.StreamResponse:
    """Close the connection without answering (the handler is cancelled as the connection drops)."""
    if request.transport is not None:
        request.transport.close()
    await asyncio.sleep(1)
    return web.Response(status=500)
