"""`python -m bot import-schedule`, called in process: --check, --diff, a refused file in one line,
and a schedule alone is enough for the bot to start and answer (no EVENT_FILE)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.__main__ import main
from bot.answers.service import Question
from bot.runtime import build_services
from bot.settings import load_settings
from nlu.testing import session_interpreter
from tests.schedule.exports import DEBCONF, RC3, edited_rc3, export


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("EVENT_FILE", str(tmp_path / "no-event-file.yml"))
    return tmp_path


def test_check_reads_and_changes_nothing(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export(DEBCONF)
    assert main(["import-schedule", str(DEBCONF), "--check"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{DEBCONF}: readable frab-xml schedule, 117 talks, 5 rooms, 12 tracks, 87 speakers, time zone Asia/Kolkata")
    assert not (env / "cli.db").exists()


def test_a_bad_file_is_refused_in_one_line(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = env / "broken.json"
    broken.write_text('{"schedule": {"conference": {"days": [', encoding="utf-8")
    assert main(["import-schedule", str(broken)]) == 2
    assert capsys.readouterr().err == f"{broken}: refused: not valid JSON at line 1, column 39: Expecting value; nothing was changed\n"
    assert main(["import-schedule", str(env / "nowhere.xml")]) == 2
    assert "refused: file not found" in capsys.readouterr().err
    assert main(["import-schedule", "http://127.0.0.1:9/schedule.json"]) == 2
    assert "refused: ClientConnectorError" in capsys.readouterr().err


async def test_import_then_diff_then_the_bot_answers_without_an_event_file(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export(RC3)
    assert await _main(["import-schedule", str(RC3)]) == 0
    assert capsys.readouterr().out == "schedule for rc3-channels-2020: 48 talks (48 new); the event was created from the export\n"
    edited = env / "edited.json"
    edited.write_bytes(edited_rc3(export(RC3)))

    assert await _main(["import-schedule", str(edited), "--diff"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "schedule for rc3-channels-2020: 48 talks (1 new, 1 moved, 1 room, 1 cancelled) (--diff: nothing was changed)"
    assert any(line.startswith("  moved      talk-15: Der faule Admin") and "11:30 AM -> 12/27/20, 12:00 PM" in line.replace("\u202f", " ") for line in out)

    services = await build_services(load_settings(), interpreter=session_interpreter())
    try:
        answer = await services.answers.answer(Question("when does Chris Fiege talk", "ask_speaker", 0.9, {}), "en")
    finally:
        await services.database.dispose()
    assert "Der faule Admin automatisiert" in answer.messages[0].text


async def _main(argv: list[str]) -> int:
    """main() runs its own event loop: off this test's loop, in a thread."""
    import asyncio

    return await asyncio.to_thread(main, argv)
