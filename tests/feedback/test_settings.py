"""FEEDBACK_DELAY_MINUTES: how long after a session ends its attendees are asked to rate it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings


def settings(**env: str):  # type: ignore[no-untyped-def]
    return load_settings(env, dotenv=Path("/nonexistent"))


def test_the_prompt_waits_five_minutes_unless_told_otherwise() -> None:
    assert settings().feedback_delay_minutes == 5
    assert settings(FEEDBACK_DELAY_MINUTES="20").feedback_delay_minutes == 20


@pytest.mark.parametrize("raw", ["-1", "601", "soon"])
def test_a_wrong_delay_names_the_variable(raw: str) -> None:
    with pytest.raises(SettingsError, match="FEEDBACK_DELAY_MINUTES"):
        settings(FEEDBACK_DELAY_MINUTES=raw)
