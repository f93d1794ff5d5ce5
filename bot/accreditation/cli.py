"""`python -m bot codes`: accreditation codes for delegations.

    python -m bot codes issue --count 200 --delegation JP      # prints them, writes a CSV with deep links
    python -m bot codes list                                   # issued / used / unused per delegation
    python -m bot codes revoke 7KQ4-M9XP-ABCD                  # a lost code stops working

The codes are printed once: only their hashes are stored. Exit codes: 0 ok, 1 the database or event is
not usable, 2 bad arguments (the message says which).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.accreditation.service import AccreditationService, codes_csv
from bot.clock import clock_from
from bot.db import run
from bot.event.offline import NoEvent, event_database
from bot.settings import PROJECT_ROOT, Settings, load_settings
from bot.telegram.emulator.server import DEFAULT_BOT_USERNAME


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("codes", help="accreditation codes that verify delegates",
                              description="Issue, list or revoke one-time accreditation codes.")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    issue = actions.add_parser("issue", help="new one-time codes for a delegation")
    issue.add_argument("--count", type=int, required=True, help="how many codes (1-10000)")
    issue.add_argument("--delegation", required=True, help="a delegation id from the event file (JP, ID, ...)")
    issue.add_argument("--csv", type=Path, help="where to write the CSV (default var/codes/<batch>.csv)")
    issue.add_argument("--bot-username", help="the bot's @username for the links (default BOT_USERNAME, else getMe)")
    actions.add_parser("list", help="codes issued, used and unused per delegation")
    revoke = actions.add_parser("revoke", help="stop a code from working (a used one un-verifies its delegate)")
    revoke.add_argument("code")
    p.set_defaults(handler=_codes)


def _codes(args: argparse.Namespace) -> int:
    return int(run(_main(args, load_settings())))


async def _main(args: argparse.Namespace, settings: Settings) -> int:
    try:
        async with event_database(settings) as opened:
            service = AccreditationService(opened.database, clock_from(settings.assistant_now).now, [d for d, _, _ in opened.snapshot.delegations])
            if args.action == "issue":
                return await _issue(args, settings, service)
            if args.action == "list":
                rows = await service.summary()
                print(f"{'delegation':<11} {'issued':>7} {'used':>7} {'revoked':>8} {'unused':>7}")
                for r in rows:
                    print(f"{r.delegation_id:<11} {r.issued:>7} {r.used:>7} {r.revoked:>8} {r.unused:>7}")
                if not rows:
                    print("no codes issued yet")
                return 0
            row = await service.revoke(args.code)
            if row is None:
                print("codes: error: no such code", file=sys.stderr)
                return 2
            used = f"; it had verified user {row.used_by}, who is no longer verified" if row.used_by else ""
            print(f"revoked the code …{row.hint} of {row.delegation_id}{used}")
            return 0
    except NoEvent as error:
        print(f"codes: {error}", file=sys.stderr)
        return 1


async def _issue(args: argparse.Namespace, settings: Settings, service: AccreditationService) -> int:
    delegation = service.delegation(args.delegation)
    if delegation is None:
        known = ", ".join(sorted(service.delegation_ids.values()))
        print(f"codes: error: --delegation {args.delegation!r} is not a delegation of the event (known: {known})", file=sys.stderr)
        return 2
    if not 1 <= args.count <= 10_000:
        print("codes: error: --count must be between 1 and 10000", file=sys.stderr)
        return 2
    username = args.bot_username or await _bot_username(settings)
    if username is None:
        print("codes: error: the bot's username is unknown: set BOT_USERNAME or pass --bot-username", file=sys.stderr)
        return 2
    codes = await service.issue(delegation, args.count)
    target = args.csv or PROJECT_ROOT / "var" / "codes" / f"codes-{delegation}-{len(codes)}-{codes[-1][-4:]}.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(codes_csv(codes, delegation, username), encoding="utf-8")
    for code in codes:
        print(code)
    print(f"{len(codes)} codes for {delegation}; CSV with links: {target}", file=sys.stderr)
    return 0


async def _bot_username(settings: Settings) -> str | None:
    if settings.bot_username:
        return settings.bot_username
    if settings.uses_emulator:
        return DEFAULT_BOT_USERNAME
    from telegram import Bot
    from telegram.error import TelegramError

    try:
        async with Bot(settings.telegram_bot_token or "", base_url=settings.telegram_api_base_url) as bot:
            return bot.username
    except (TelegramError, OSError):
        return None
