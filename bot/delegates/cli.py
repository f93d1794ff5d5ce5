"""`python -m bot roles add|remove|list`: who may broadcast, moderate and answer the helpdesk;
`python -m bot forget USER_ID`: /forget on someone's behalf (a request that came by e-mail)."""

from __future__ import annotations

import argparse
import sys

from bot.clock import clock_from
from bot.db import Database, run
from bot.delegates.service import ROLES, RoleService
from bot.settings import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("roles", help="grant or revoke organiser, moderator and helpdesk roles")
    sub = p.add_subparsers(dest="action", required=True)
    for action in ("add", "remove"):
        a = sub.add_parser(action, help=f"{action} a role")
        a.add_argument("role", choices=ROLES)
        a.add_argument("user_id", type=int, help="the person's Telegram user id")
    sub.add_parser("list", help="list everyone with a role")
    p.set_defaults(handler=_roles)
    f = subparsers.add_parser("forget", help="delete what the assistant keeps about a person, as /forget does")
    f.add_argument("user_id", type=int, help="the person's Telegram user id")
    f.set_defaults(handler=_forget)


async def _apply(args: argparse.Namespace) -> int:
    settings = load_settings()
    database = Database(settings.database_url)
    try:
        await database.migrate()
        roles = RoleService(database, settings.organiser_ids)
        if args.action == "list":
            for user_id, role, source in await roles.grants():
                print(f"{user_id}\t{role}\t{source}")
            return 0
        if args.action == "add":
            changed = await roles.grant(args.user_id, args.role, clock_from(settings.assistant_now).now())
            print(f"{args.user_id} is {'now' if changed else 'already'} {args.role}")
            return 0
        changed = await roles.revoke(args.user_id, args.role)
        if not changed and args.role == "organiser" and args.user_id in settings.organiser_ids:
            print(f"{args.user_id} is organiser through ORGANISER_IDS; remove it there", file=sys.stderr)
            return 1
        print(f"{args.user_id} {'is no longer' if changed else 'was not'} {args.role}")
        return 0
    finally:
        await database.dispose()


def _roles(args: argparse.Namespace) -> int:
    return int(run(_apply(args)))


async def _forget_person(user_id: int) -> int:
    from bot.features import install_features
    from bot.runtime import build_services
    from nlu.types import NoInterpreter

    services = await build_services(load_settings(), interpreter=NoInterpreter())
    try:
        install_features(services)
        known = await services.delegates.get(user_id) is not None
        await services.forget(user_id)
    finally:
        await services.close()
    print(f"{user_id}: {'deleted' if known else 'nothing kept about this person; cleaned up anyway'}")
    return 0


def _forget(args: argparse.Namespace) -> int:
    return int(run(_forget_person(args.user_id)))
