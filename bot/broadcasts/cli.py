"""`python -m bot broadcast`: queue an announcement from a terminal, or ask how one is going.

    python -m bot broadcast --text "Lunch moves to the Orchid Room" --text-id "Makan siang ..." --audience all
    python -m bot broadcast --text "..." --audience country:JP --at "tomorrow 9:00"
    python -m bot broadcast --status 12

An immediate broadcast is queued in the outbox at once (a running bot delivers it); a scheduled one
waits in the database and the bot resolves its audience when its time comes. Exit codes: 0 ok,
1 the database or event is not usable, 2 bad arguments (the message says which).
"""

from __future__ import annotations

import argparse
import sys

from bot.broadcasts.replies import describe_audience, when_text
from bot.broadcasts.service import Audience, BroadcastError, BroadcastService, Released
from bot.broadcasts.when import WhenError, parse_send_time
from bot.clock import clock_from
from bot.db import run
from bot.event.offline import EventDatabase, NoEvent, event_database
from bot.i18n import UI_LANGUAGES, Translator, ui_languages_of
from bot.settings import Settings, load_settings


class UsageError(Exception):
    """A bad argument: printed as `broadcast: error: ...` with exit code 2."""


def _option(language: str) -> str:
    return f"--text-{language.lower().replace('_', '-')}"


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "broadcast", help="send an announcement to delegates, or show a broadcast's counts",
        description="Queue an organiser announcement (a running bot delivers it), or show a broadcast's counts.",
    )
    p.add_argument("--text", help="the announcement in the event's default language (plain text)")
    for language in UI_LANGUAGES:
        p.add_argument(_option(language), dest=f"text_{language}", metavar="TEXT", help=f"the text in {language}")
    p.add_argument("--audience", default=None, help="all | lang:CODE | country:ISO | session:ID | verified (default: all)")
    p.add_argument("--at", metavar="TIME", help='send later, in the event\'s time zone: "13:25", "tomorrow 9:00", "2019-09-11 13:25"')
    p.add_argument("--status", type=int, metavar="ID", help="print the counts of broadcast ID")
    p.add_argument("--cancel", type=int, metavar="ID", help="cancel broadcast ID (messages not yet sent)")
    p.set_defaults(handler=_broadcast)


def _broadcast(args: argparse.Namespace) -> int:
    try:
        return int(run(_main(args)))
    except UsageError as error:
        print(f"broadcast: error: {error}", file=sys.stderr)
        return 2


async def _main(args: argparse.Namespace) -> int:
    modes = [name for name in ("status", "cancel") if getattr(args, name) is not None]
    texts = {language: getattr(args, f"text_{language}") for language in UI_LANGUAGES if getattr(args, f"text_{language}")}
    if len(modes) > 1 or (modes and (args.text or texts or args.at or args.audience)):
        raise UsageError("use --status ID, --cancel ID or --text ... on its own")
    if not modes and not args.text and not texts:
        raise UsageError("say what to send with --text \"...\" (or ask --status ID)")
    settings = load_settings()
    try:
        async with event_database(settings) as opened:
            return await _act(args, texts, settings, opened)
    except NoEvent as error:
        print(f"broadcast: {error}", file=sys.stderr)
        return 1


async def _act(args: argparse.Namespace, texts: dict[str, str], settings: Settings, opened: EventDatabase) -> int:
    snap = opened.snapshot
    clock = clock_from(settings.assistant_now)
    service = BroadcastService(opened.database, opened.events, ui_languages_of(snap.languages), clock.now)
    tr = Translator("en", snap.timezone, snap.default_language)
    if args.status is not None:
        return await _status(service, tr, snap, args.status)
    if args.cancel is not None:
        view = await service.cancel(args.cancel)
        if view is None:
            raise UsageError(f"broadcast {args.cancel} is not scheduled or sending")
        print(f"Broadcast {view.id} cancelled; messages not yet sent will not go out.")
        return 0
    if args.text:
        if snap.default_language in texts and texts[snap.default_language] != args.text:
            raise UsageError(f"--text is the {snap.default_language} text; do not give {_option(snap.default_language)} as well")
        texts[snap.default_language] = args.text
    try:
        audience = Audience.parse(args.audience or "all")
        send_at = parse_send_time(args.at, clock.now(), snap.timezone).instant if args.at else None
        outcome = await service.create(texts, audience, send_at)
    except WhenError as error:
        raise UsageError(f"--at {args.at!r}: {error}") from None
    except BroadcastError as error:
        raise UsageError(str(error)) from None
    who = describe_audience(tr, audience, snap)
    if isinstance(outcome, Released):
        view = outcome.broadcast
        print(f"Broadcast {view.id} queued: {view.total} recipient(s), {who}. A running bot delivers it; `--status {view.id}` shows the counts.")
    else:
        assert outcome.send_at is not None
        print(f"Broadcast {outcome.id} scheduled for {when_text(tr, outcome.send_at)}, to {who}.")
    return 0


async def _status(service: BroadcastService, tr: Translator, snap, broadcast_id: int) -> int:  # type: ignore[no-untyped-def]
    view = await service.get(broadcast_id)
    if view is None:
        raise UsageError(f"there is no broadcast {broadcast_id}")
    progress = await service.progress(broadcast_id)
    print(f"Broadcast {view.id}: {view.status}, {describe_audience(tr, view.audience, snap)}")
    if view.send_at is not None:
        print(f"send at: {when_text(tr, view.send_at)}")
    print(f"total {progress.total}  sent {progress.sent}  failed {progress.failed}  cancelled {progress.cancelled}  pending {progress.waiting}")
    return 0
