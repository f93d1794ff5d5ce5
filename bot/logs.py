"""Logging: plain text for a terminal, one JSON object per line for log collectors (LOG_FORMAT=json).

At INFO and above the logs carry no message texts, names or Telegram ids: a person or chat appears
as a pseudonym (`who(user_id)`, a keyed hash that is the same on every replica), so an operator can
still follow one delegate's trail (`python -m bot who USER_ID` gives the pseudonym to grep for).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import logging
import sys
from datetime import datetime, timezone
from typing import Any

from bot.settings import PROJECT_ROOT, Settings, load_settings

_key = b"delegate-assistant"
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
NOISY = ("httpx", "telegram.ext", "apscheduler", "tensorflow", "rasa", "absl", "aiohttp.access")


def use_pseudonym_key(secret: str | None) -> None:
    """Keys the pseudonyms with a deployment secret (the bot token), so they cannot be reversed by
    hashing every plausible Telegram id."""
    global _key
    _key = (secret or "delegate-assistant").encode("utf-8")


def who(ident: int | str | None) -> str:
    """A stable pseudonym for a Telegram user or chat id (or a console name, an address), for logs."""
    if ident is None:
        return "-"
    return "p-" + hmac.new(_key, str(ident).encode("utf-8"), hashlib.sha256).hexdigest()[:10]


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TelegramEdgePages(logging.Filter):
    """python-telegram-bot logs an ERROR with a traceback when an answer is not JSON (the HTML page of
    a 502 from Telegram's proxy). The call fails as a NetworkError and is retried like any other, so
    it is a warning here, on one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR and str(record.msg).startswith("Can not load invalid JSON data"):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.msg, record.args, record.exc_info, record.exc_text = "Telegram answered with a page that is not JSON (a proxy error); the call is retried", (), None, None
        return True


def setup_logging(settings: Settings, to_file: bool) -> None:
    use_pseudonym_key(settings.telegram_bot_token)
    handler: logging.Handler
    if to_file:
        (PROJECT_ROOT / "var").mkdir(exist_ok=True)
        handler = logging.FileHandler(PROJECT_ROOT / "var" / "assistant.log", encoding="utf-8")
    else:
        handler = logging.StreamHandler(sys.stderr)
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=settings.log_level, handlers=[handler], force=True)
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    edge = logging.getLogger("telegram.request.BaseRequest")
    if not any(isinstance(f, TelegramEdgePages) for f in edge.filters):
        edge.addFilter(TelegramEdgePages())


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("who", help="the log pseudonym of a Telegram user or chat id, or of a console login name")
    p.add_argument("id", help="a Telegram user or chat id, or a name typed at the helpdesk console's login")
    p.set_defaults(handler=_who)


def _who(args: argparse.Namespace) -> int:
    use_pseudonym_key(load_settings().telegram_bot_token)
    print(who(args.id))
    return 0
