"""`python -m bot helpdesk ...` (console accounts) and `python -m bot export-training [FILE]`.

    python -m bot helpdesk add-agent budi                  # asks for the password twice
    echo "$PASSWORD" | python -m bot helpdesk add-agent budi --password-stdin
    python -m bot helpdesk add-agent sari --organiser        # also sees broadcasts, the live picture, training
    python -m bot helpdesk set-password budi | remove-agent budi | agents
    python -m bot helpdesk grant-organiser budi | revoke-organiser budi
    python -m bot export-training                          # data/nlu/helpdesk.yml, then `make train`
    python -m bot export-training other.yml --faq faq.yml

Exit codes: 0 done, 1 nothing done (unknown agent, passwords differ), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from bot.clock import clock_from
from bot.db import Database, run
from bot.helpdesk.accounts import AccountError, AgentService
from bot.helpdesk.export import (
    DEFAULT_TARGET,
    domain_intents,
    known_examples,
    other_training_files,
    render_faq,
    render_training,
)
from bot.helpdesk.service import faq_candidates, labelled_examples
from bot.settings import PROJECT_ROOT, load_settings


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("helpdesk", help="helpdesk console accounts")
    sub = p.add_subparsers(dest="action", required=True)
    for action, text in (("add-agent", "create a console account"), ("set-password", "change an agent's password")):
        a = sub.add_parser(action, help=text)
        a.add_argument("name")
        a.add_argument("--password-stdin", action="store_true", help="read the password from standard input (one line)")
        if action == "add-agent":
            a.add_argument("--organiser", action="store_true", help="an organiser: also the broadcasts, live picture and training pages")
    for action, text in (("grant-organiser", "let an agent use the organisers' pages"), ("revoke-organiser", "take the organisers' pages away")):
        sub.add_parser(action, help=text).add_argument("name")
    r = sub.add_parser("remove-agent", help="stop an agent from logging in (ends their sessions)")
    r.add_argument("name")
    sub.add_parser("agents", help="list the console accounts")
    p.set_defaults(handler=_helpdesk)

    e = subparsers.add_parser(
        "export-training", help="write the helpdesk's labelled questions as Rasa NLU training data",
        description="Write the questions labelled in the helpdesk console as a Rasa NLU file; `make train` then retrains.",
    )
    e.add_argument("file", nargs="?", type=Path, default=DEFAULT_TARGET, help=f"target file (default: {DEFAULT_TARGET.relative_to(PROJECT_ROOT)})")
    e.add_argument("--faq", type=Path, metavar="FILE", help="also write the questions marked as a new FAQ to FILE")
    e.set_defaults(handler=_export)


def _password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        print("helpdesk: the passwords differ; nothing changed", file=sys.stderr)
        return None
    return first


async def _accounts(args: argparse.Namespace) -> int:
    settings = load_settings()
    database = Database(settings.database_url)
    try:
        await database.migrate()
        agents = AgentService(database, clock_from(settings.assistant_now).now)
        if args.action == "agents":
            for agent in await agents.agents():
                role = "organiser" if agent.organiser else "agent"
                print(f"{agent.name}\t{role}\t{'active' if agent.active else 'removed'}\t{agent.created_at:%Y-%m-%d %H:%M} UTC")
            return 0
        if args.action in ("grant-organiser", "revoke-organiser"):
            granted = args.action == "grant-organiser"
            done = await agents.set_organiser(args.name, granted)
            if not done:
                print(f"helpdesk: there is no agent {args.name!r}", file=sys.stderr)
                return 1
            print(f"{args.name} {'is now an organiser' if granted else 'is no longer an organiser'}")
            return 0
        if args.action == "remove-agent":
            done = await agents.deactivate(args.name)
            print(f"{args.name} can no longer log in" if done else f"helpdesk: there is no agent {args.name!r}", file=sys.stdout if done else sys.stderr)
            return 0 if done else 1
        password = _password(args)
        if password is None:
            return 1
        if args.action == "add-agent":
            agent = await agents.add(args.name, password, organiser=args.organiser)
            role = "Organiser" if agent.organiser else "Agent"
            print(f"{role} {agent.name} created; they log in at http://127.0.0.1:{settings.helpdesk_web_port}/")
            return 0
        if await agents.set_password(args.name, password):
            print(f"Password of {args.name} changed; their open sessions were ended")
            return 0
        print(f"helpdesk: there is no agent {args.name!r}", file=sys.stderr)
        return 1
    finally:
        await database.dispose()


def _helpdesk(args: argparse.Namespace) -> int:
    try:
        return int(run(_accounts(args)))
    except AccountError as error:
        print(f"helpdesk: {error}", file=sys.stderr)
        return 2


async def _write_export(args: argparse.Namespace) -> int:
    settings = load_settings()
    database = Database(settings.database_url)
    try:
        await database.migrate()
        labelled = await labelled_examples(database)
        faq = await faq_candidates(database) if args.faq else []
    finally:
        await database.dispose()
    target: Path = args.file
    exported = render_training(labelled, domain_intents(), known_examples(other_training_files(target)))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(exported.content, encoding="utf-8")
    print(f"{exported.count} example(s) in {len(exported.examples)} intent(s) written to {target}")
    for skipped in exported.skipped:
        print(f"  skipped ({skipped.why}): {skipped.intent}: {skipped.text[:80]}")
    if args.faq:
        args.faq.write_text(render_faq(faq), encoding="utf-8")
        print(f"{len(faq)} question(s) marked as a new FAQ written to {args.faq}")
    if exported.count:
        print("Run `make train` to retrain; a running bot picks up the new model within a minute.")
    return 0


def _export(args: argparse.Namespace) -> int:
    return int(run(_write_export(args)))
