"""Every UI language is complete: each message translated, every placeholder kept, catalogs compile."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime, timezone

import pytest
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, UI_LANGUAGES, Translator, normalise_language
from bot.settings import PROJECT_ROOT

PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
TRANSLATED = [lang for lang in UI_LANGUAGES if lang != "en"]


def catalog(language: str):
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=language)


def test_catalogs_cover_every_message_in_the_code(tmp_path) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_", "-k", "ngettext:1,2", "-k", "N_",
         "--no-location", "-o", str(pot), "bot"],
        cwd=PROJECT_ROOT, check=True, capture_output=True,
    )
    with pot.open("rb") as f:
        in_code = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    for language in TRANSLATED:
        in_catalog = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog(language) if m.id}
        missing = in_code - in_catalog
        assert not missing, f"{language}: run `make i18n`; missing {sorted(missing)[:5]}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_with_its_placeholders(language: str) -> None:
    problems = []
    for message in catalog(language):
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        expected = set(PLACEHOLDER.findall(ids[-1]))
        for s in strings:
            if set(PLACEHOLDER.findall(s)) != expected:
                problems.append(f"placeholders differ: {ids[0]!r} -> {s!r}")
    assert not problems, "\n".join(problems[:20])


def test_catalogs_compile_without_warnings(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "compile", "-d", str(LOCALES_DIR), "-D", "messages", "--statistics"],
        cwd=PROJECT_ROOT, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "error" not in result.stderr.lower() and "warning" not in result.stderr.lower()


@pytest.mark.parametrize(("language", "expected_time", "expected_date_part"), [
    ("en", "8:30", "September"), ("id", "08.30", "September"), ("th", "08:30", "กันยายน"),
    ("ja", "8:30", "9月10日"), ("zh_Hans", "08:30", "9月10日"), ("ko", "8:30", "9월 10일"), ("vi", "08:30", "tháng 9"),
])
def test_times_and_dates_follow_the_locale_in_the_event_zone(language: str, expected_time: str, expected_date_part: str) -> None:
    tr = Translator(language, "Asia/Jakarta")
    instant = datetime(2019, 9, 10, 1, 30, tzinfo=timezone.utc)  # 08:30 in Jakarta
    assert expected_time in tr.time(instant)
    assert expected_date_part in tr.date(instant)


@pytest.mark.parametrize(("code", "language"), [
    ("en-GB", "en"), ("id", "id"), ("in", "id"), ("ms-MY", "ms"), ("zh-hans", "zh_Hans"), ("zh-CN", "zh_Hans"),
    ("ja", "ja"), ("ko-KR", "ko"), ("th", "th"), ("vi", "vi"), ("pt-BR", None), (None, None),
])
def test_telegram_language_codes_map_to_ui_languages(code: str | None, language: str | None) -> None:
    assert normalise_language(code) == language


def test_indonesian_interface_speaks_indonesian() -> None:
    assert Translator("id", "Asia/Jakarta")._("How to get there") != "How to get there"
