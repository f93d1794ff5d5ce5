"""Command line: `python -m bot [run|import-event|roles|...]`; `run` is the default."""

from __future__ import annotations

import argparse
import importlib
import sys

from bot.db import DatabaseInUse, connection_failure
from bot.settings import SettingsError

# Each feature registers its own subcommands: module.register(subparsers).
COMMAND_MODULES = (
    "bot.runner",
    "bot.event.cli",
    "bot.schedule.cli",
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


def with_default_command(argv: list[str]) -> list[str]:
    """`run` when no command is given: no arguments at all, or only run's options
    (`python -m bot --no-console`); -h/--help still shows the commands."""
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        return ["run", *argv]
    return argv


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(with_default_command(sys.argv[1:] if argv is None else argv))
    try:
        return int(args.handler(args) or 0)
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except DatabaseInUse as exc:
        print(exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if (failure := connection_failure(exc)) is None:
            raise
        print(failure, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
