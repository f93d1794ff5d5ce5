"""The emulator's control API (/_emulator/...): what a person does, and what the bot did, over HTTP.

The routes are listed in server.py's docstring. They drive the same EmulatedUser objects the
in-process tests use, so both paths create identical updates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.telegram.emulator.faults import Faults
from bot.telegram.emulator.limits import Limits

if TYPE_CHECKING:
    from bot.telegram.emulator.server import BotApiEmulator
    from bot.telegram.emulator.users import EmulatedUser

ControlHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_LIMIT_FIELDS = (
    "global_per_second",
    "per_chat_per_second",
    "per_chat_burst",
    "group_per_minute",
    "max_text",
    "max_caption",
    "max_callback_data",
    "enabled",
    "max_buttons",
)


class ControlError(Exception):
    pass


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _guarded(handler: ControlHandler) -> ControlHandler:
    async def guarded(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except (ControlError, LookupError, ValueError, TypeError, KeyError) as error:
            return web.json_response({"ok": False, "description": str(error)}, status=400)

    return guarded


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    body = await request.json()
    if body is not None and not isinstance(body, dict):
        raise ControlError("the request body must be a JSON object")
    return body or {}


def control_routes(emu: BotApiEmulator) -> list[web.RouteDef]:
    state = emu.state

    def user_of(request: web.Request) -> EmulatedUser:
        user_id = int(request.match_info["user_id"])
        account = state.users.get(user_id)
        if account is None:
            raise ControlError(f"no user {user_id}: POST /_emulator/users first")
        return emu.user(user_id, account.first_name)

    async def overview(request: web.Request) -> web.StreamResponse:
        return _ok(
            {
                "bot": state.bot_user(),
                "users": [dataclasses.asdict(user) for user in state.users.values()],
                "groups": [chat.to_api() for chat in state.chats.values() if chat.is_group],
                "pending_updates": len(state.pending_updates()),
                "webhook": state.webhook.url if state.webhook else None,
                "limits_enabled": emu.limits.enabled,
                "faults": None if emu.faults is None else {"rate": emu.faults.rate, "kinds": list(emu.faults.kinds)},
            }
        )

    async def add_user(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        user = emu.user(
            int(body["id"]),
            str(body.get("first_name") or f"User {body['id']}"),
            last_name=body.get("last_name"),
            username=body.get("username"),
            language_code=body.get("language_code"),
        )
        return _ok(user.account.to_api())

    async def add_group(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        return _ok(emu.group(int(body["id"]), str(body["title"])).chat.to_api())

    async def user_update(request: web.Request) -> web.StreamResponse:
        user = user_of(request)
        body = await _body(request)
        kind = body.get("kind", "text")
        chat = body.get("chat_id")
        if kind == "text":
            return _ok(await user.send(str(body["text"]), chat=chat, reply_to=body.get("reply_to_message_id")))
        if kind == "command":
            return _ok(await user.command(str(body["text"]), chat=chat, reply_to=body.get("reply_to_message_id")))
        if kind == "callback":
            message = (chat if chat is not None else user.id, int(body["message_id"]))
            stored = state.message(*message)
            if stored is None or stored.sent is None:
                raise ControlError(f"no bot message {message[1]} in chat {message[0]}")
            if body.get("forged"):
                query = await user.press_raw(stored.sent, str(body["callback_data"]))
            else:
                query = await user.press(stored.sent, body.get("button"), callback_data=body.get("callback_data"))
            return _ok(dataclasses.asdict(query))
        if kind == "sticker":
            return _ok(await user.send_sticker(body.get("emoji", "👍"), chat=chat))
        if kind == "photo":
            return _ok(await user.send_photo(caption=body.get("caption"), chat=chat))
        if kind == "voice":
            return _ok(await user.send_voice(int(body.get("duration", 3)), chat=chat))
        if kind == "location":
            return _ok(await user.send_location(float(body["latitude"]), float(body["longitude"]), chat=chat))
        if kind == "edit":
            chat_id = chat if chat is not None else user.id
            return _ok(
                await user.edit({"chat": {"id": chat_id}, "message_id": int(body["message_id"])}, str(body["text"]))
            )
        raise ControlError(f"unknown kind {kind!r}: text, command, callback, sticker, photo, voice, location, edit")

    async def block(request: web.Request) -> web.StreamResponse:
        user = user_of(request)
        body = await _body(request)
        if body.get("blocked", True):
            user.block()
        else:
            user.unblock()
        return _ok({"blocked": user.account.blocked_bot})

    async def chat_messages(request: web.Request) -> web.StreamResponse:
        chat_id = int(request.match_info["chat_id"])
        after = int(request.query.get("after", 0))
        since = int(request.query.get("since", 0))
        wait = min(float(request.query.get("wait", 0)), 60.0)

        def new() -> list[Any]:
            return [sent for sent in state.feed.get(chat_id, []) if sent.seq > after and sent.message_id > since]

        if wait > 0:
            await state.changed.wait_for(lambda: bool(new()) or emu.api.closing, wait)
        return _ok([sent.to_dict() for sent in new()])

    async def callback_query(request: web.Request) -> web.StreamResponse:
        query = state.callback_queries.get(request.match_info["query_id"])
        if query is None:
            raise ControlError("no such callback query")
        return _ok(dataclasses.asdict(query))

    async def calls(request: web.Request) -> web.StreamResponse:
        after = int(request.query.get("after", -1))
        method = request.query.get("method", "").lower()
        chat_id = request.query.get("chat_id")
        found = [
            {"index": index, **dataclasses.asdict(call)}
            for index, call in enumerate(state.calls)
            if index > after
            and (not method or call.method.lower() == method)
            and (chat_id is None or str(call.chat_id) == chat_id)
        ]
        return _ok(found)

    async def set_faults(request: web.Request) -> web.StreamResponse:
        body = await request.json() if request.can_read_body else None
        emu.faults = None if not body else Faults.from_dict(body)
        return _ok(None if emu.faults is None else {"rate": emu.faults.rate, "kinds": list(emu.faults.kinds)})

    async def set_limits(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        unknown = set(body) - set(_LIMIT_FIELDS)
        if unknown:
            raise ControlError(f"unknown limits {sorted(unknown)}; known: {_LIMIT_FIELDS}")
        current = {name: getattr(emu.limits, name) for name in _LIMIT_FIELDS}
        emu.limits = Limits(**{**current, **body}, clock=emu.limits.clock)
        return _ok({name: getattr(emu.limits, name) for name in _LIMIT_FIELDS})

    routes: list[tuple[str, str, ControlHandler]] = [
        ("GET", "/_emulator", overview),
        ("POST", "/_emulator/users", add_user),
        ("POST", "/_emulator/groups", add_group),
        ("POST", "/_emulator/users/{user_id}/updates", user_update),
        ("POST", "/_emulator/users/{user_id}/block", block),
        ("GET", "/_emulator/chats/{chat_id}/messages", chat_messages),
        ("GET", "/_emulator/callback_queries/{query_id}", callback_query),
        ("GET", "/_emulator/calls", calls),
        ("POST", "/_emulator/faults", set_faults),
        ("POST", "/_emulator/limits", set_limits),
    ]
    return [web.route(verb, path, _guarded(handler)) for verb, path, handler in routes]
