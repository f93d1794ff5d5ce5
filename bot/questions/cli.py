"""`python -m bot questions list|link --session ID`: a session's approved questions from a terminal,
and the address of the chair's page.

    python -m bot questions list --session session-2-crisis          the approved list, numbered
    python -m bot questions list --session session-2-crisis --all    every question with its status
    python -m bot questions link --session session-2-crisis          the chair's page URL

Exit codes: 0 ok, 1 the database or event is not usable, 2 bad arguments (an unknown session).
"""

from __future__ import annotations

import argparse
import sys

from bot.clock import clock_from
from bot.db import run
from bot.event.offline import NoEvent, event_database
from bot.event.service import session_by_id
from bot.questions.service import QuestionService
from bot.questions.web import base_url, page_path, page_secret
from bot.settings import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("questions", help="questions to speakers: a session's approved list, the chair's page link")
    sub = p.add_subparsers(dest="action", required=True)
    listing = sub.add_parser("list", help="print a session's approved questions in order")
    listing.add_argument("--session", required=True, metavar="ID", help="the session id (as in the event file)")
    listing.add_argument("--all", action="store_true", help="every question, waiting and rejected ones too")
    link = sub.add_parser("link", help="print the address of the chair's page for a session")
    link.add_argument("--session", required=True, metavar="ID", help="the session id (as in the event file)")
    p.set_defaults(handler=_questions)


def _questions(args: argparse.Namespace) -> int:
    return int(run(_main(args)))


async def _main(args: argparse.Namespace) -> int:
    settings = load_settings()
    try:
        async with event_database(settings) as opened:
            if session_by_id(opened.snapshot, args.session) is None:
                print(f"questions: error: unknown session {args.session!r}: see the session ids in the event file", file=sys.stderr)
                return 2
            if args.action == "link":
                if not settings.questions_secret and not settings.telegram_bot_token:
                    print("questions: set QUESTIONS_SECRET (or TELEGRAM_BOT_TOKEN) so that links stay valid", file=sys.stderr)
                    return 1
                print(base_url(settings) + page_path(page_secret(settings), args.session))
                return 0
            service = QuestionService(opened.database, opened.events, clock_from(settings.assistant_now).now)
            if not args.all:
                for number, question in enumerate(await service.approved(args.session), 1):
                    print(f"{number}. {question.text}\n   — {question.shown_name or 'anonymous'}")
                return 0
            for question in await service.asked(args.session):
                print(f"#{question.id}\t{question.status}\t{question.shown_name or 'anonymous'}\t{question.text}")
            return 0
    except NoEvent as error:
        print(f"questions: {error}", file=sys.stderr)
        return 1
