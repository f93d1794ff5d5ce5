"""Settings come from the environment and .env; a wrong value names its variable."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings


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


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ORGANISER_IDS", "alice,bob"), ("HELPDESK_CHAT_ID", "helpdesk"), ("ASSISTANT_NOW", "tomorrow"),
        ("ASSISTANT_NOW", "2019-09-10T10:15:00"), ("DATABASE_URL", "mysql://x"), ("NLU_URL", "localhost:5005"),
        ("TELEGRAM_BOT_TOKEN", "not-a-token"), ("TELEGRAM_API_BASE_URL", "ftp://x"), ("OUTBOX_RATE", "0"),
        ("LOG_LEVEL", "LOUD"), ("EMULATOR_PORT", "99999"), ("LOG_FORMAT", "xml"), ("BOT_USERNAME", "no spaces allowed"),
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
