"""SCHEDULE_URL and SCHEDULE_REFRESH_MINUTES are checked at start-up like every setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings

NO_DOTENV = Path("/nonexistent/.env")


def test_schedule_settings_default_and_read() -> None:
    assert load_settings({}, NO_DOTENV).schedule_url is None
    assert load_settings({}, NO_DOTENV).schedule_refresh_minutes == 5
    settings = load_settings({"SCHEDULE_URL": "https://pretalx.example/c/schedule.json", "SCHEDULE_REFRESH_MINUTES": "2.5"}, NO_DOTENV)
    assert (settings.schedule_url, settings.schedule_refresh_minutes) == ("https://pretalx.example/c/schedule.json", 2.5)
    assert not settings.event_file_given and load_settings({"EVENT_FILE": "x.yml"}, NO_DOTENV).event_file_given


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("SCHEDULE_URL", "pretalx.example/schedule.json", "SCHEDULE_URL: 'pretalx.example/schedule.json' is not a URL starting with http or https://"),
    ("SCHEDULE_URL", "file:///etc/passwd", "is not a URL starting with http"),
    ("SCHEDULE_REFRESH_MINUTES", "0", "SCHEDULE_REFRESH_MINUTES: must be greater than 0"),
    ("SCHEDULE_REFRESH_MINUTES", "soon", "SCHEDULE_REFRESH_MINUTES: 'soon' is not a number"),
    ("SCHEDULE_REFRESH_MINUTES", "5000", "must be at most 1440"),
])
def test_bad_schedule_settings_name_the_variable(variable: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({variable: value}, NO_DOTENV)
    assert message in str(raised.value)
