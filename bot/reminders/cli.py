"""`python -m bot reminders`: event-wide reminders from a terminal (what /remindall does in the chat).

    python -m bot reminders add-event-wide --day day-2 --before 30
    python -m bot reminders add-event-wide --session closing-jakarta-message --before 10
    python -m bot reminders list
    python -m bot reminders withdraw 3

A running bot sends them when they are due. Exit codes: 0 ok, 1 the database or event is not usable,
2 bad arguments (the message says which).
"""

from __future__ import annotations

import argparse
import sys

from bot.clock import clock_from
from bot.db import run
from bot.event.offline import NoEvent, event_database
from bot.i18n import Translator
from bot.reminders.service import EventReminderView, ReminderError, ReminderService
from bot.settings import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("reminders", help="event-wide reminders for all delegates",
                              description="Schedule, list or withdraw reminders sent to every delegate.")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add-event-wide", help='"Day 2 starts in 30 minutes" to every delegate')
    target = add.add_mutually_exclusive_group(required=True)
    target.add_argument("--day", help="a day id (day-2) or number (2)")
    target.add_argument("--session", help="a session id from the event file")
    add.add_argument("--before", type=int, default=30, metavar="MINUTES", help="minutes before the start (default 30)")
    actions.add_parser("list", help="event-wide reminders and their state")
    withdraw = actions.add_parser("withdraw", help="withdraw a scheduled event-wide reminder")
    withdraw.add_argument("id", type=int)
    p.set_defaults(handler=_reminders)


def _reminders(args: argparse.Namespace) -> int:
    return int(run(_main(args)))


async def _main(args: argparse.Namespace) -> int:
    settings = load_settings()
    try:
        async with event_database(settings) as opened:
            service = ReminderService(opened.database, opened.events, clock_from(settings.assistant_now).now, settings.reminder_lead_minutes)
            tr = Translator("en", opened.snapshot.timezone, opened.snapshot.default_language)
            if args.action == "add-event-wide":
                try:
                    view = await service.schedule_event_wide(args.day or args.session, args.before)
                except ReminderError as error:
                    print(f"reminders: error: {error}", file=sys.stderr)
                    return 2
                print(f"scheduled #{view.id}: {_describe(tr, view)}")
            elif args.action == "list":
                views = await service.event_wide(scheduled_only=False)
                for view in views:
                    print(f"#{view.id} {view.status:<9} {_describe(tr, view)}" + (f", {view.recipients} recipients" if view.recipients is not None else ""))
                if not views:
                    print("no event-wide reminders")
            elif args.action == "withdraw":
                if not await service.withdraw_event_wide(args.id):
                    print(f"reminders: error: #{args.id} is not a scheduled event-wide reminder", file=sys.stderr)
                    return 2
                print(f"withdrawn #{args.id}")
            return 0
    except NoEvent as error:
        print(f"reminders: {error}", file=sys.stderr)
        return 1


def _describe(tr: Translator, view: EventReminderView) -> str:
    target = f"day {view.day_id}" if view.day_id else f"session {view.session_id}"
    when = f"sent at {tr.datetime(view.due_at, 'short')}" if view.due_at else "nothing left to announce"
    return f"{target}, {view.minutes_before} min before the start ({when}, {tr.zone_name()})"
