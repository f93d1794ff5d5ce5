"""Configuration from environment variables (and an optional .env file), read in one place.

Every setting is validated at start-up: a wrong value stops the process with a message that names
the variable, instead of failing later in the middle of a conversation.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TELEGRAM_BASE_URL = "https://api.telegram.org/bot"


class SettingsError(ValueError):
    """A configuration value is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    telegram_bot_token: str | None = None
    telegram_api_base_url: str = TELEGRAM_BASE_URL
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'assistant.db'}"
    event_file: Path = PROJECT_ROOT / "data" / "event.yml"
    organiser_ids: frozenset[int] = frozenset()
    helpdesk_chat_id: int | None = None
    nlu_url: str | None = None
    nlu_processes: int = 0  # >0: the model parses in that many child processes (nlu.process), not in a thread
    model_dir: Path = PROJECT_ROOT / "models"
    assistant_now: datetime | None = None
    log_level: str = "INFO"
    log_format: str = "text"  # or "json": one object per line, for log collectors
    outbox_rate_per_second: float = 30.0
    reminder_lead_minutes: int = 15
    feedback_delay_minutes: int = 5  # the rating prompt goes out this long after a session ends
    emulator_port: int = 8081
    webhook_url: str | None = None
    webhook_secret: str | None = None
    listen: str = "127.0.0.1"
    port: int = 8443
    helpdesk_web_port: int = 8090
    # The console's cookies carry `Secure` (sent over HTTPS only): always with this, else when a
    # trusted proxy says the request came over HTTPS.
    helpdesk_web_secure_cookies: bool = False
    # The console sits behind a reverse proxy: believe its X-Forwarded-For (the client's address, for
    # the login throttle) and X-Forwarded-Proto. Only when nothing else can reach HELPDESK_WEB_PORT.
    helpdesk_web_trust_proxy: bool = False
    bot_username: str | None = None  # for t.me deep links (accreditation codes); else asked with getMe
    # The bot's HTTP server as people outside reach it (behind a reverse proxy), for links in messages.
    public_url: str | None = None
    # Signs the chair's questions page links; without it the bot token does (see bot/questions/web.py).
    questions_secret: str | None = None
    # The outbox dispatcher: how long a claimed row stays claimed without renewal, and how many
    # Telegram calls run at once (also the most a kill -9 can make it send twice).
    outbox_lease_seconds: float = 30.0
    outbox_max_in_flight: int = 8
    # Where the replicas share the sending budget (OUTBOX_RATE for the whole bot, bot/outbox/budget.py):
    # "database" (PostgreSQL), a redis:// URL, or "local" (this process alone). None: the database
    # with PostgreSQL, local with SQLite.
    send_budget_url: str | None = None
    # A schedule export (pretalx, frab, ICS) re-pulled every few minutes; see bot/schedule.
    schedule_url: str | None = None
    schedule_refresh_minutes: float = 5.0
    # EVENT_FILE was set: with SCHEDULE_URL, only then is an event file imported at first start.
    event_file_given: bool = False
    # The Mini App: how old Telegram's initData (its auth_date) may be before a request is refused.
    miniapp_max_age_seconds: int = 3600
    extra: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def uses_emulator(self) -> bool:
        """No token means no real Telegram: the bot talks to the local Bot API emulator."""
        return not self.telegram_bot_token

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def _int(name: str, raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise SettingsError(f"{name}: {raw!r} is not a whole number") from None


def _positive(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}: {raw!r} is not a number") from None
    if value <= 0:
        raise SettingsError(f"{name}: must be greater than 0, got {raw!r}")
    return value


def _flag(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name}: {raw!r} is not true or false")


def _ids(name: str, raw: str) -> frozenset[int]:
    parts = [p for p in raw.replace(";", ",").replace(" ", ",").split(",") if p]
    try:
        return frozenset(int(p) for p in parts)
    except ValueError:
        raise SettingsError(
            f"{name}: {raw!r} is not a comma-separated list of Telegram user ids (e.g. 12345,67890)"
        ) from None


def _instant(name: str, raw: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise SettingsError(
            f"{name}: {raw!r} is not an ISO 8601 instant (e.g. 2019-09-10T10:15:00+07:00)"
        ) from None
    if value.tzinfo is None:
        raise SettingsError(f"{name}: {raw!r} needs a UTC offset (e.g. +07:00)")
    return value.astimezone(timezone.utc)


def _url(name: str, raw: str, schemes: tuple[str, ...] = ("http", "https")) -> str:
    value = raw.strip()
    if not any(value.startswith(f"{s}://") for s in schemes):
        raise SettingsError(f"{name}: {raw!r} is not a URL starting with {' or '.join(schemes)}://")
    parts = urlsplit(value)
    if not parts.hostname:
        raise SettingsError(f"{name}: {raw!r} has no host name or address after {parts.scheme}://")
    try:
        _ = parts.port  # not a number, or out of range, raises
    except ValueError:
        raise SettingsError(f"{name}: {raw!r} has an invalid port") from None
    return value


def _token(name: str, raw: str) -> str:
    value = raw.strip()
    head, _, tail = value.partition(":")
    if not head.isdigit() or not tail:
        raise SettingsError(f"{name}: does not look like a bot token from @BotFather (123456:ABC...)")
    return value


# libpq's sslmode values, which asyncpg understands too (bot/db.py passes sslmode on as asyncpg's ssl).
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


def _database_url(name: str, raw: str) -> str:
    """A SQLite or PostgreSQL URL that SQLAlchemy can parse; a relative SQLite path is made absolute
    under the project root, like EVENT_FILE and MODEL_DIR, so the working directory does not matter."""
    try:
        url = make_url(raw.strip())
    except (ArgumentError, ValueError):
        url = None
    if url is None or url.get_backend_name() not in ("sqlite", "postgresql", "postgres"):
        raise SettingsError(
            f"{name}: {raw!r} is not a SQLite or PostgreSQL URL "
            "(sqlite:///var/assistant.db or postgresql://user@host/db)"
        )
    sslmode = url.query.get("sslmode")
    if sslmode is not None and sslmode not in SSL_MODES:
        raise SettingsError(f"{name}: sslmode={sslmode!r} is not one of {', '.join(SSL_MODES)}")
    if _is_relative_sqlite_path(url):
        return url.set(database=str(PROJECT_ROOT / str(url.database))).render_as_string(hide_password=False)
    return raw.strip()


def _send_budget_url(name: str, raw: str, database_url: str) -> str:
    value = raw.strip()
    if value == "local":
        return value
    if value == "database":
        if make_url(database_url).get_backend_name() == "sqlite":
            raise SettingsError(f"{name}: 'database' shares the budget through PostgreSQL; DATABASE_URL is SQLite (use local)")
        return value
    if value.startswith("unix://"):
        return value
    if not value.startswith(("redis://", "rediss://")):
        raise SettingsError(f"{name}: {raw!r} is not local, database or a redis:// URL")
    return _url(name, value, ("redis", "rediss"))


def _is_relative_sqlite_path(url: URL) -> bool:
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:" or "uri" in url.query:
        return False
    return not Path(database).is_absolute()


def _dotenv_value(raw: str) -> str:
    """A value as docker compose and python-dotenv read it: quotes removed (a # inside them is
    kept); unquoted, a # after whitespace starts a comment."""
    value = raw.strip()
    if value[:1] in ("'", '"') and (end := value.find(value[0], 1)) > 0:
        return value[1:end]
    return re.sub(r"\s#.*", "", raw).strip()


def read_dotenv(path: Path) -> dict[str, str]:
    """The KEY=VALUE lines of a .env file; comments, blanks and `export` prefixes allowed."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        values[key.strip()] = _dotenv_value(value)
    return values


def load_settings(environ: Mapping[str, str] | None = None, dotenv: Path | None = None) -> Settings:
    """Settings from the environment; `.env` fills only what the environment leaves unset."""
    env = dict(read_dotenv(dotenv if dotenv is not None else PROJECT_ROOT / ".env"))
    env.update(os.environ if environ is None else environ)

    def get(name: str) -> str | None:
        value = env.get(name)
        return value if value not in (None, "") else None

    s = Settings()
    changes: dict[str, object] = {}
    if (v := get("TELEGRAM_BOT_TOKEN")) is not None:
        changes["telegram_bot_token"] = _token("TELEGRAM_BOT_TOKEN", v)
    if (v := get("TELEGRAM_API_BASE_URL")) is not None:
        changes["telegram_api_base_url"] = _url("TELEGRAM_API_BASE_URL", v)
    if (v := get("DATABASE_URL")) is not None:
        changes["database_url"] = _database_url("DATABASE_URL", v)
    if (v := get("EVENT_FILE")) is not None:
        path = Path(v)
        changes["event_file"] = path if path.is_absolute() else PROJECT_ROOT / path
        changes["event_file_given"] = True
    if (v := get("ORGANISER_IDS")) is not None:
        changes["organiser_ids"] = _ids("ORGANISER_IDS", v)
    if (v := get("HELPDESK_CHAT_ID")) is not None:
        changes["helpdesk_chat_id"] = _int("HELPDESK_CHAT_ID", v)
    if (v := get("NLU_URL")) is not None:
        changes["nlu_url"] = _url("NLU_URL", v)
    if (v := get("NLU_PROCESSES")) is not None:
        processes = _int("NLU_PROCESSES", v)
        if not 0 <= processes <= 8:
            raise SettingsError("NLU_PROCESSES: 0 (the model in the bot's process) to 8 child processes")
        changes["nlu_processes"] = processes
    if (v := get("MODEL_DIR")) is not None:
        path = Path(v)
        changes["model_dir"] = path if path.is_absolute() else PROJECT_ROOT / path
    if (v := get("ASSISTANT_NOW")) is not None:
        changes["assistant_now"] = _instant("ASSISTANT_NOW", v)
    if (v := get("LOG_LEVEL")) is not None:
        if v.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise SettingsError(f"LOG_LEVEL: {v!r} is not one of DEBUG, INFO, WARNING, ERROR")
        changes["log_level"] = v.upper()
    if (v := get("OUTBOX_RATE")) is not None:
        changes["outbox_rate_per_second"] = _positive("OUTBOX_RATE", v)
    if (v := get("REMINDER_LEAD_MINUTES")) is not None:
        lead = _int("REMINDER_LEAD_MINUTES", v)
        if not 0 < lead <= 24 * 60:
            raise SettingsError(f"REMINDER_LEAD_MINUTES: {v!r} must be between 1 and 1440")
        changes["reminder_lead_minutes"] = lead
    if (v := get("FEEDBACK_DELAY_MINUTES")) is not None:
        delay = _int("FEEDBACK_DELAY_MINUTES", v)
        if not 0 <= delay <= 600:
            raise SettingsError(f"FEEDBACK_DELAY_MINUTES: {v!r} must be between 0 and 600")
        changes["feedback_delay_minutes"] = delay
    for var, attr in (
        ("EMULATOR_PORT", "emulator_port"),
        ("PORT", "port"),
        ("HELPDESK_WEB_PORT", "helpdesk_web_port"),
    ):
        if (v := get(var)) is not None:
            port = _int(var, v)
            if not 0 <= port <= 65535:
                raise SettingsError(f"{var}: {v!r} is not a TCP port (0-65535)")
            changes[attr] = port
    for var, attr in (("HELPDESK_WEB_SECURE_COOKIES", "helpdesk_web_secure_cookies"), ("HELPDESK_WEB_TRUST_PROXY", "helpdesk_web_trust_proxy")):
        if (v := get(var)) is not None:
            changes[attr] = _flag(var, v)
    if (v := get("WEBHOOK_URL")) is not None:
        changes["webhook_url"] = _url("WEBHOOK_URL", v, ("https", "http"))
    if (v := get("WEBHOOK_SECRET")) is not None:
        if not all(c.isalnum() or c in "_-" for c in v) or len(v) > 256:
            raise SettingsError("WEBHOOK_SECRET: use 1-256 characters A-Z, a-z, 0-9, _ and -")
        changes["webhook_secret"] = v
    if (v := get("LISTEN")) is not None:
        changes["listen"] = v
    if (v := get("LOG_FORMAT")) is not None:
        if v.strip().lower() not in ("text", "json"):
            raise SettingsError(f"LOG_FORMAT: {v!r} must be text or json")
        changes["log_format"] = v.strip().lower()
    if (v := get("BOT_USERNAME")) is not None:
        name = v.strip().lstrip("@")
        if not (5 <= len(name) <= 32 and all(c.isalnum() or c == "_" for c in name)):
            raise SettingsError(f"BOT_USERNAME: {v!r} is not a Telegram bot username (5-32 letters, digits and _)")
        changes["bot_username"] = name
    if (v := get("PUBLIC_URL")) is not None:
        changes["public_url"] = _url("PUBLIC_URL", v).rstrip("/")
    if (v := get("QUESTIONS_SECRET")) is not None:
        if len(v) < 16:
            raise SettingsError("QUESTIONS_SECRET: use at least 16 characters (it signs the chair's page links)")
        changes["questions_secret"] = v
    if (v := get("OUTBOX_LEASE_SECONDS")) is not None:
        changes["outbox_lease_seconds"] = _positive("OUTBOX_LEASE_SECONDS", v)
    if (v := get("SEND_BUDGET_URL")) is not None and v.strip():
        changes["send_budget_url"] = _send_budget_url("SEND_BUDGET_URL", v, str(changes.get("database_url", Settings.database_url)))
    if (v := get("OUTBOX_MAX_IN_FLIGHT")) is not None:
        in_flight = _int("OUTBOX_MAX_IN_FLIGHT", v)
        if not 1 <= in_flight <= 100:
            raise SettingsError(f"OUTBOX_MAX_IN_FLIGHT: {v!r} must be between 1 and 100")
        changes["outbox_max_in_flight"] = in_flight
    if (v := get("SCHEDULE_URL")) is not None:
        changes["schedule_url"] = _url("SCHEDULE_URL", v)
    if (v := get("SCHEDULE_REFRESH_MINUTES")) is not None:
        minutes = _positive("SCHEDULE_REFRESH_MINUTES", v)
        if minutes > 24 * 60:
            raise SettingsError(f"SCHEDULE_REFRESH_MINUTES: {v!r} must be at most 1440 (a day)")
        changes["schedule_refresh_minutes"] = minutes
    if (v := get("MINIAPP_MAX_AGE_SECONDS")) is not None:
        age = _int("MINIAPP_MAX_AGE_SECONDS", v)
        if not 60 <= age <= 7 * 24 * 3600:
            raise SettingsError(f"MINIAPP_MAX_AGE_SECONDS: {v!r} must be between 60 and 604800 (a week)")
        changes["miniapp_max_age_seconds"] = age
    return replace(s, extra=env, **changes)  # type: ignore[arg-type]
