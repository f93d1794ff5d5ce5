"""`python -m bot import-schedule FILE-OR-URL [--format ...] [--check] [--diff] [--timezone ZONE]`."""

from __future__ import annotations

import argparse
import sys
from zoneinfo import ZoneInfo

from bot.clock import clock_from
from bot.db import Database, run
from bot.i18n import Translator
from bot.schedule.fetch import FetchError, read_source
from bot.schedule.importer import Change, ScheduleChanges, ScheduleRefused, import_schedule
from bot.schedule.parse import FORMATS, ScheduleFormatError, parse_schedule
from bot.schedule.schema import Schedule
from bot.schedule.service import import_with_alerts
from bot.settings import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("import-schedule", help="import a pretalx/frab/ICS schedule export into the event")
    p.add_argument("source", metavar="FILE-OR-URL", help="the export: a file, or an http(s) URL")
    p.add_argument("--format", choices=("auto", *FORMATS), default="auto", help="default: recognised from the content")
    p.add_argument("--check", action="store_true", help="only read and validate the export, change nothing")
    p.add_argument("--diff", action="store_true", help="show what would change, change nothing")
    p.add_argument("--timezone", help="the event's IANA time zone when the export has none (e.g. Europe/Berlin)")
    p.set_defaults(handler=_import_schedule)


def _counts(schedule: Schedule) -> str:
    persons = {p.key for t in schedule.talks for p in t.persons}
    parts = [
        f"{len(schedule.talks)} talks", f"{len({t.room for t in schedule.talks if t.room})} rooms",
        f"{len({t.track for t in schedule.talks if t.track})} tracks", f"{len(persons)} speakers",
    ]
    return ", ".join(parts) + f", time zone {schedule.timezone or 'not given'}"


def describe(change: Change, tr: Translator) -> str:
    when = {key: tr.datetime(value, "short") for key, value in (("old", change.old_start), ("new", change.new_start)) if value}
    details = []
    if "moved" in change.kinds:
        details.append(f"{when.get('old')} -> {when.get('new')}")
    if "room" in change.kinds:
        details.append(f"room {change.old_room} -> {change.new_room}")
    if "new" in change.kinds or "restored" in change.kinds:
        details.append(f"{when.get('new')}, {change.new_room or 'no room'}")
    if "cancelled" in change.kinds:
        details.append(f"was {when.get('old')}")
    return f"  {'+'.join(change.kinds):<10} {change.session_id}: {change.title} ({'; '.join(details)})"


def print_diff(changes: ScheduleChanges, zone: str) -> None:
    tr = Translator("en", zone)
    for change in changes.changes:
        print(describe(change, tr))
    if changes.updated:
        print(f"  {len(changes.updated)} other session(s) edited (title, abstract, speakers...)")


async def _run(args: argparse.Namespace, schedule: Schedule) -> tuple[ScheduleChanges, int]:
    settings = load_settings()
    database = Database(settings.database_url)
    try:
        await database.migrate()
        now = clock_from(settings.assistant_now).now()
        if args.diff:
            changes = await import_schedule(database, schedule, now, timezone=args.timezone, dry_run=True)
            return changes, 0
        imported = await import_with_alerts(
            database, schedule, now, source=args.source, organiser_ids=settings.organiser_ids, timezone=args.timezone)
        return imported.changes, imported.told
    finally:
        await database.dispose()


def _import_schedule(args: argparse.Namespace) -> int:
    if args.timezone:
        try:
            ZoneInfo(args.timezone)
        except (KeyError, ValueError):
            print(f"--timezone: {args.timezone!r} is not an IANA time zone (e.g. Europe/Berlin)", file=sys.stderr)
            return 2
    try:
        schedule = parse_schedule(run(read_source(args.source)), args.format)
    except (FetchError, ScheduleFormatError) as exc:
        print(f"{args.source}: refused: {exc}; nothing was changed", file=sys.stderr)
        return 2
    for problem in schedule.problems:
        print(f"  skipped: {problem}", file=sys.stderr)
    if args.check:
        print(f"{args.source}: readable {schedule.format} schedule, {_counts(schedule)}; nothing was imported (--check)")
        return 0
    try:
        changes, told = run(_run(args, schedule))
    except ScheduleRefused as exc:
        print(f"{args.source}: refused: {exc}; nothing was changed", file=sys.stderr)
        return 2
    if args.diff:
        print(changes.line() + " (--diff: nothing was changed)")
        print_diff(changes, changes.timezone)
        return 0
    print(changes.line() + (f"; {told} delegate(s) with reminders will be told" if told else ""))
    if schedule.problems:
        print(f"{len(schedule.problems)} entr{'y was' if len(schedule.problems) == 1 else 'ies were'} skipped (listed above)")
    return 0
