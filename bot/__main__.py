"""Command line: `python -m bot [run|import-event|roles|...]`; `run` is the default."""

from __future__ import annotations

import argparse
import importlib
import sys

from bot.settings import SettingsError

# Each feature registers its own subcommands: module.register(subparsers).
COMMAND_MODULES = (
    "bot.runner",
    "bot.event.cli",
    "bot.delegates.cli",
    "bot.broadcasts.cli",
    "bot.helpdesk.cli",
    "bot.reminders.cli",
    "bot.feedback.cli",
    "bot.accreditation.cli",
    "bot.logs",
    "bot.questions.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Delegate Assistant: the Telegram assistant for conference delegates.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["run", *(argv if argv is not None else sys.argv[1:])])
    try:
        return int(args.handler(args) or 0)
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
