"""Who opened the Mini App: Telegram's `initData`, validated as Telegram documents it.

https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app: the fields are
sorted, `hash` left out, joined with newlines (the data-check-string); the key is
HMAC-SHA256("WebAppData", bot token); the hash must equal HMAC-SHA256(key, data-check-string), compared
in constant time. The kept library telegram-webapp-auth (MIT) does exactly that and refuses duplicate
or empty keys; here we add what it leaves to us: `auth_date` checked against the bot's own clock (no
older than the configured age, not from the future), a size limit, and a user who must be there.

Anything that cannot be checked is refused (fail closed): the caller answers 401 and shows nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

from telegram_webapp_auth.auth import TelegramAuthenticator, generate_secret_key
from telegram_webapp_auth.errors import BaseTWAError

MAX_INIT_DATA = 4096  # bytes; Telegram's are a few hundred
CLOCK_SKEW = timedelta(minutes=5)  # auth_date may lie this far ahead of our clock (phones' clocks drift)


class InitDataError(ValueError):
    """The initData is missing, malformed, forged or too old; the message says which (for the log)."""


@dataclass(frozen=True)
class LaunchUser:
    """The Telegram user the validated initData names."""

    id: int
    first_name: str
    last_name: str | None
    username: str | None
    language_code: str | None
    auth_date: datetime


class InitDataValidator:
    """Validates initData signed for one bot token; `max_age` is how old `auth_date` may be."""

    def __init__(self, bot_token: str, max_age: timedelta) -> None:
        self._authenticator = TelegramAuthenticator(generate_secret_key(bot_token))
        self.max_age = max_age

    def validate(self, init_data: str | None, now: datetime) -> LaunchUser:
        if not init_data:
            raise InitDataError("no initData")
        if len(init_data.encode("utf-8")) > MAX_INIT_DATA:
            raise InitDataError("initData too long")
        try:
            data = self._authenticator.validate(init_data, expr_in=None)
        except BaseTWAError as error:
            raise InitDataError(f"initData refused: {error}") from None
        except (TypeError, ValueError) as error:  # a user object the library cannot build
            raise InitDataError(f"initData malformed: {error}") from None
        signed_at = datetime.fromtimestamp(data.auth_date, tz=timezone.utc)
        if now - signed_at > self.max_age:
            raise InitDataError("initData expired")
        if signed_at - now > CLOCK_SKEW:
            raise InitDataError("initData from the future")
        user = data.user
        if user is None or not isinstance(user.id, int) or user.id <= 0 or getattr(user, "is_bot", False):
            raise InitDataError("initData names no user")
        return LaunchUser(user.id, str(user.first_name or ""), user.last_name, user.username, user.language_code, signed_at)


def sign_init_data(bot_token: str, user: dict[str, object], auth_date: datetime, **fields: str) -> str:
    """initData as Telegram would sign it for this bot: for the tests, `make screenshots` and trying
    the Mini App with the local emulator (which has no Telegram client to open it)."""
    values = {"user": json.dumps(user, separators=(",", ":"), ensure_ascii=False), "auth_date": str(int(auth_date.timestamp())), **fields}
    check = "\n".join(f"{key}={value}" for key, value in sorted(values.items()))
    key = hmac.new(b"WebAppData", bot_token.encode("utf-8"), hashlib.sha256).digest()
    values["hash"] = hmac.new(key, check.encode("utf-8"), hashlib.sha256).hexdigest()
    return urlencode(values)
