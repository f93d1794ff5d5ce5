"""Buttons of a large programme: "More" under search results, and browsing a day by track or room.
Callback data may be forged or stale: every position is checked against the current snapshot."""

from __future__ import annotations

from telegram import Update

from bot.answers.browse import BROWSE_DAY, BROWSE_GROUP, day_choice, group_choice, group_sessions
from bot.answers.reply import Reply
from bot.event.service import DayView, EventSnapshot
from bot.schedule.answers import MORE, parse_more, results
from bot.schedule.feature import Schedule
from bot.telegram.handlers.common import Context, caller, pressed_message, services
from bot.telegram.render import edit_or_send


async def _stale(update: Update, text: str) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(text)


def _day(snap: EventSnapshot, raw: str) -> DayView | None:
    return next((d for d in snap.days if raw.isdigit() and d.index == int(raw)), None)


async def _show(update: Update, context: Context, build) -> None:  # type: ignore[no-untyped-def]
    if (found := await caller(update, context)) is None:
        return
    delegate, tr, chat_id = found
    snap = await services(context).events.view(delegate.verified)
    reply: Reply | None = await build(tr, snap)
    if reply is None:
        await _stale(update, tr._("This button is no longer valid. Please use the menu or ask me again."))
        return
    await edit_or_send(context.bot, pressed_message(update), chat_id, reply)


async def on_more(update: Update, context: Context, arg: str) -> None:
    async def build(tr, snap):  # type: ignore[no-untyped-def]
        parsed = parse_more(arg)
        if parsed is None or not snap.has_schedule:
            return None
        offset, day_index, _, query = parsed
        day = _day(snap, str(day_index)) if day_index else None
        indexes = services(context).features.get(Schedule).indexes
        return results(tr, await indexes.of(snap), query, day, offset)

    await _show(update, context, build)


async def on_browse_day(update: Update, context: Context, arg: str) -> None:
    """bd:<day>:<t|r>[:<page>] (or bd:<day> for the choice itself)."""
    async def build(tr, snap):  # type: ignore[no-untyped-def]
        parts = arg.split(":")
        day = _day(snap, parts[0])
        if day is None:
            return None
        if len(parts) == 1:
            return day_choice(tr, snap, day)
        page = parts[2] if len(parts) > 2 else "0"
        if parts[1] not in ("t", "r") or not page.isdigit():
            return None
        return group_choice(tr, snap, day, parts[1], int(page))

    await _show(update, context, build)


async def on_browse_group(update: Update, context: Context, arg: str) -> None:
    """bg:<day>:<t|r>:<group>:<offset>."""
    async def build(tr, snap):  # type: ignore[no-untyped-def]
        parts = arg.split(":")
        if len(parts) != 4 or parts[1] not in ("t", "r") or not parts[3].isdigit() or not parts[2].lstrip("-").isdigit():
            return None
        day = _day(snap, parts[0])
        return group_sessions(tr, snap, day, parts[1], int(parts[2]), int(parts[3])) if day else None

    await _show(update, context, build)


CALLBACK_HANDLERS = {MORE: on_more, BROWSE_DAY: on_browse_day, BROWSE_GROUP: on_browse_group}
