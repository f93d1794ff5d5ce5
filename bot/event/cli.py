"""`python -m bot import-event FILE`: validate an event file and load it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.clock import clock_from
from bot.db import Database, run
from bot.event.importer import ImportRefused, ImportSummary, import_event
from bot.event.loader import EventFileError, load_event_file
from bot.settings import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("import-event", help="validate an event file and load it into the database")
    p.add_argument("file", type=Path, nargs="?", help="the event file (default: EVENT_FILE)")
    p.add_argument("--check", action="store_true", help="only validate, change nothing")
    p.add_argument("--replace", action="store_true", help="replace another event already in the database")
    p.set_defaults(handler=_import_event)


async def _load(file: Path, replace: bool) -> ImportSummary:
    settings = load_settings()
    data = load_event_file(file)
    database = Database(settings.database_url)
    try:
        await database.migrate()
        return await import_event(database, data, clock_from(settings.assistant_now).now(), replace=replace)
    finally:
        await database.dispose()


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _import_event(args: argparse.Namespace) -> int:
    file: Path = args.file or load_settings().event_file
    try:
        if args.check:
            data = load_event_file(file)
            counts = ", ".join(_count(n, *words) for n, words in (
                (len(data.sessions), ("session", "sessions")), (len(data.speakers), ("speaker", "speakers")),
                (len(data.faq), ("FAQ entry", "FAQ entries")), (len(data.places), ("place", "places"))))
            print(f"{file}: valid, {data.event.id} ({counts}); nothing was imported (--check)")
            return 0
        print(run(_load(file, args.replace)).line())
        return 0
    except EventFileError as exc:
        print(f"{exc.source}: refused, {len(exc.problems)} problem(s); nothing was changed", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except ImportRefused as exc:
        print(f"{file}: refused: {exc}", file=sys.stderr)
        return 2
