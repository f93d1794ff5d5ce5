"""`python -m bot feedback report`: the delegates' ratings per session, for organisers at a terminal.

    python -m bot feedback report                      every session rated or asked about
    python -m bot feedback report --session ID         one session, with its comments
    python -m bot feedback report --csv results.csv    the same numbers as a spreadsheet

Exit codes: 0 ok, 1 the database or event is not usable, 2 an unknown session.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from bot.answers.format import session_name
from bot.clock import clock_from
from bot.db import run
from bot.event.offline import NoEvent, event_database
from bot.event.service import session_by_id
from bot.feedback.service import FeedbackService, SessionResult
from bot.i18n import Translator
from bot.settings import load_settings

CSV_COLUMNS = ("session_id", "title", "starts_at", "asked", "votes", "average", "votes_1", "votes_2", "votes_3", "votes_4", "votes_5", "comments")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("feedback", help="session ratings and comments from delegates",
                              description="What delegates said about the sessions they attended.")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    report = actions.add_parser("report", help="votes, average and distribution per session")
    report.add_argument("--session", metavar="ID", help="one session (a session id from the event file), with its comments")
    report.add_argument("--csv", type=Path, metavar="FILE", help="also write the numbers to this CSV file")
    p.set_defaults(handler=_feedback)


def _feedback(args: argparse.Namespace) -> int:
    return int(run(_main(args)))


async def _main(args: argparse.Namespace) -> int:
    settings = load_settings()
    try:
        async with event_database(settings) as opened:
            snap = opened.snapshot
            if args.session is not None and session_by_id(snap, args.session) is None:
                print(f"feedback: error: unknown session {args.session!r} (use a session id from the event file)", file=sys.stderr)
                return 2
            service = FeedbackService(opened.database, opened.events, clock_from(settings.assistant_now).now, settings.feedback_delay_minutes)
            tr = Translator(snap.default_language, snap.timezone, snap.default_language)
            results = await service.results(args.session)
            for result in results:
                print(_line(tr, result))
            if not results:
                print("no feedback yet")
            if args.session is not None:
                comments = await service.comments(args.session)
                print(f"comments ({len(comments)}):")
                for c in comments:
                    print(f"  [{c.rating}/5] {_printable(c.comment)}")
            if args.csv is not None:
                _write_csv(args.csv, tr, results)
                print(f"written {args.csv}")
            return 0
    except NoEvent as error:
        print(f"feedback: {error}", file=sys.stderr)
        return 1


def _title(tr: Translator, r: SessionResult) -> str:
    return session_name(tr, r.session) if r.session else r.session_id


def _line(tr: Translator, r: SessionResult) -> str:
    average = f"{r.average:.2f}" if r.average is not None else "-"
    spread = " ".join(f"{n}★{count}" for n, count in enumerate(r.distribution, start=1))
    return f"{r.session_id}: {_printable(_title(tr, r))} | asked {r.prompted}, votes {r.votes}, average {average} | {spread} | comments {r.comments}"


def _printable(text: str) -> str:
    """One line, no terminal control sequences: a comment must not rewrite the organiser's screen."""
    return "".join(c if c.isprintable() else " " for c in text)


def _cell(value: object) -> object:
    """Text a spreadsheet would run as a formula (=, +, -, @ first) is quoted as text."""
    return "'" + value if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") else value


def _write_csv(path: Path, tr: Translator, results: list[SessionResult]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_COLUMNS)
        for r in results:
            writer.writerow([_cell(v) for v in (
                r.session_id, _title(tr, r), r.session.starts_at.isoformat() if r.session else "", r.prompted, r.votes,
                f"{r.average:.2f}" if r.average is not None else "", *r.distribution, r.comments,
            )])
