"""Settings come from the environment and .env; a wrong value names its variable."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.db import async_url
from bot.settings import PROJECT_ROOT, SettingsError, load_settings


def settings(**env: str):
    return load_settings(env, dotenv=Path("/nonexistent"))


def test_defaults_use_sqlite_and_the_sample_event() -> None:
    s = settings()
    assert s.database_url.startswith("sqlite:///") and s.event_file.name == "event.yml"
    assert s.uses_emulator and s.telegram_api_base_url == "https://api.telegram.org/bot"


def test_values_are_parsed() -> None:
    s = settings(ORGANISER_IDS="1, 2,3", HELPDESK_CHAT_ID="-100123", ASSISTANT_NOW="2019-09-10T10:15:00+07:00", TELEGRAM_BOT_TOKEN="123:abc")
    assert s.organiser_ids == {1, 2, 3} and s.helpdesk_chat_id == -100123
    assert s.assistant_now == datetime(2019, 9, 10, 3, 15, tzinfo=timezone.utc)
    assert not s.uses_emulator


def test_log_format_and_bot_username_are_read() -> None:
    s = settings(LOG_FORMAT="JSON", BOT_USERNAME="@rcdd2019_bot")
    assert (s.log_format, s.bot_username) == ("json", "rcdd2019_bot")


def test_the_consoles_cookie_and_proxy_flags_are_read() -> None:
    assert (settings().helpdesk_web_secure_cookies, settings().helpdesk_web_trust_proxy) == (False, False)
    s = settings(HELPDESK_WEB_SECURE_COOKIES="true", HELPDESK_WEB_TRUST_PROXY="Yes")
    assert (s.helpdesk_web_secure_cookies, s.helpdesk_web_trust_proxy) == (True, True)
    assert settings(HELPDESK_WEB_SECURE_COOKIES="0").helpdesk_web_secure_cookies is False


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ORGANISER_IDS", "alice,bob"), ("HELPDESK_CHAT_ID", "helpdesk"), ("ASSISTANT_NOW", "tomorrow"),
        ("ASSISTANT_NOW", "2019-09-10T10:15:00"), ("DATABASE_URL", "mysql://x"), ("NLU_URL", "localhost:5005"),
        ("TELEGRAM_BOT_TOKEN", "not-a-token"), ("TELEGRAM_API_BASE_URL", "ftp://x"), ("OUTBOX_RATE", "0"),
        ("LOG_LEVEL", "LOUD"), ("EMULATOR_PORT", "99999"), ("LOG_FORMAT", "xml"), ("BOT_USERNAME", "no spaces allowed"),
        ("DATABASE_URL", "sqlite"), ("DATABASE_URL", "postgresql"), ("DATABASE_URL", "postgresql://db.example.org:port/db"),
        ("DATABASE_URL", "postgresql://db.example.org/db?sslmode=always"), ("TELEGRAM_API_BASE_URL", "http://"),
        ("NLU_URL", "http://:5005"), ("NLU_URL", "http://127.0.0.1:port"), ("PUBLIC_URL", "https://"),
        ("WEBHOOK_URL", "https:///telegram"), ("HELPDESK_WEB_SECURE_COOKIES", "maybe"), ("HELPDESK_WEB_TRUST_PROXY", "2"),
    ],
)
def test_a_wrong_value_names_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=f"^{name}:"):
        settings(**{name: value})


def test_dotenv_fills_what_the_environment_leaves_unset(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("# comment\nexport HELPDESK_CHAT_ID=-5\nORGANISER_IDS='9'\n")
    s = load_settings({"ORGANISER_IDS": "1"}, dotenv=env_file)
    assert s.helpdesk_chat_id == -5 and s.organiser_ids == {1}


def test_a_libpq_sslmode_reaches_asyncpg_as_ssl() -> None:
    url = settings(DATABASE_URL="postgresql://bot@db.example.org:5432/assistant?sslmode=require").database_url
    assert async_url(url) == "postgresql+asyncpg://bot@db.example.org:5432/assistant?ssl=require"


def test_a_relative_sqlite_path_is_under_the_project_root_like_event_file() -> None:
    s = settings(DATABASE_URL="sqlite:///var/rehearsal.db", EVENT_FILE="data/event.yml")
    assert s.database_url == f"sqlite:///{PROJECT_ROOT / 'var' / 'rehearsal.db'}"
    assert s.event_file == PROJECT_ROOT / "data" / "event.yml"
    assert settings(DATABASE_URL="sqlite+aiosqlite:////srv/a.db").database_url == "sqlite+aiosqlite:////srv/a.db"


def test_dotenv_drops_inline_comments_but_keeps_a_hash_inside_quotes(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "EVENT_FILE=data/event.yml # the sample\n"
        "QUESTIONS_SECRET='not#a#comment#at#all' # rotated yearly\n"
        "HELPDESK_CHAT_ID= # not decided yet\n"
    )
    s = load_settings({}, dotenv=env_file)
    assert s.event_file == PROJECT_ROOT / "data" / "event.yml"
    assert s.questions_secret == "not#a#comment#at#all"
    assert s.helpdesk_chat_id is None


def test_a_dotenv_that_is_not_utf8_names_the_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_bytes("EVENT_FILE=données.yml\n".encode("latin-1"))
    with pytest.raises(SettingsError, match=f"^{env_file}: not UTF-8 text"):
        load_settings({}, dotenv=env_file)


def test_the_sending_budget_is_shared_through_postgresql_or_redis_or_kept_local() -> None:
    assert settings().send_budget_url is None  # decided by the database: PostgreSQL shares, SQLite keeps it local
    pg = "postgresql://bot@db.example.org/assistant"
    assert settings(DATABASE_URL=pg, SEND_BUDGET_URL="database").send_budget_url == "database"
    assert settings(SEND_BUDGET_URL="redis://127.0.0.1:6379/0").send_budget_url == "redis://127.0.0.1:6379/0"
    assert settings(SEND_BUDGET_URL="local").send_budget_url == "local"
    for wrong in ("memcached://x", "redis://", "postgresql://db.example.org/other"):
        with pytest.raises(SettingsError, match="^SEND_BUDGET_URL:"):
            settings(DATABASE_URL=pg, SEND_BUDGET_URL=wrong)
    with pytest.raises(SettingsError, match="^SEND_BUDGET_URL: 'database' shares the budget through PostgreSQL"):
        settings(SEND_BUDGET_URL="database")  # SQLite: one running assistant, nothing to share


def test_nlu_processes_is_a_small_count() -> None:
    assert load_settings({"NLU_PROCESSES": "2"}, dotenv=Path("/nonexistent")).nlu_processes == 2
    assert load_settings({}, dotenv=Path("/nonexistent")).nlu_processes == 0
    with pytest.raises(SettingsError, match="NLU_PROCESSES"):
        load_settings({"NLU_PROCESSES": "20"}, dotenv=Path("/nonexistent"))
