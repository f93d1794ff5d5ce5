"""Labelled questions become Rasa training data that Rasa itself reads back unchanged."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.helpdesk.export import (
    domain_intents,
    known_examples,
    other_training_files,
    render_faq,
    render_training,
    training_example,
)
from bot.settings import PROJECT_ROOT
from tests.helpdesk.conftest import Desk

INTENTS = ("ask_wifi", "ask_venue", "ask_meals", "greet")
TRICKY = [
    "wifi: what's the password?",
    "# is the wifi free?",
    '"wifi" password pls',
    "- wifi password -",
    "| wifi | password |",
    "wifi password \\n please",
    "wifi {password} %s {0}",
    "пароль от wifi 🙏",
    "wifi key… &amp; <b>now</b>",
    "wifi\u2028password\u2029please\x0bnow",
    "   leading and trailing spaces   ",
    "? wifi: &anchor *alias !tag @at `tick`",
]


def read_with_rasa(content: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    path = tmp_path / "helpdesk.yml"
    path.write_text(content, encoding="utf-8")
    return RasaYAMLReader().read(str(path))


def test_domain_intents_are_the_ones_the_model_knows() -> None:
    intents = domain_intents(PROJECT_ROOT / "domain.yml")
    assert {"ask_wifi", "ask_venue", "out_of_scope", "human_handoff"} <= set(intents)


def test_one_intent_block_per_label_sorted_and_without_duplicates(tmp_path: Path) -> None:
    labelled = [("ask_wifi", "Wifi pass?"), ("ask_venue", "where r u located"), ("ask_wifi", "wifi PASS?"), ("ask_wifi", "internet code")]

    exported = render_training(labelled, INTENTS, known={})

    assert exported.examples == {"ask_venue": ("where r u located",), "ask_wifi": ("internet code", "Wifi pass?")}
    assert [(s.text, s.why) for s in exported.skipped] == [("wifi PASS?", "duplicate")]
    assert exported.content.index("intent: ask_venue") < exported.content.index("intent: ask_wifi")
    data = read_with_rasa(exported.content, tmp_path)
    assert sorted((m.get("intent"), m.get("text")) for m in data.training_examples) == [
        ("ask_venue", "where r u located"), ("ask_wifi", "Wifi pass?"), ("ask_wifi", "internet code"),
    ]


def test_awkward_questions_are_escaped_and_read_back_by_rasa_as_typed(tmp_path: Path) -> None:
    exported = render_training([("ask_wifi", text) for text in TRICKY], INTENTS, known={})

    data = read_with_rasa(exported.content, tmp_path)

    read = sorted(m.get("text") for m in data.training_examples)
    assert read == sorted(training_example(t) for t in TRICKY)
    assert "wifi password please now" in read and "leading and trailing spaces" in read
    assert all(not m.get("entities") for m in data.training_examples)


def test_brackets_in_a_question_are_not_read_as_entity_annotations(tmp_path: Path) -> None:
    exported = render_training([("ask_venue", "is [the venue](hotel) near [x]{\"a\": 1} or [y][z]?")], INTENTS, known={})

    [example] = read_with_rasa(exported.content, tmp_path).training_examples

    assert not example.get("entities")
    assert example.get("text") == 'is [the venue] (hotel) near [x] {"a": 1} or [y] [z]?'


def test_examples_already_in_the_training_data_are_left_out_and_conflicts_reported(tmp_path: Path) -> None:
    existing = tmp_path / "en.yml"
    existing.write_text('version: "3.1"\nnlu:\n- intent: ask_wifi\n  examples: |\n    - what is the [wifi](topic) password\n    - wifi?\n', encoding="utf-8")
    known = known_examples([existing])

    exported = render_training(
        [("ask_wifi", "What is the wifi password"), ("ask_venue", "wifi?"), ("ask_meals", "lunch where"), ("nope", "x")],
        INTENTS, known,
    )

    assert exported.examples == {"ask_meals": ("lunch where",)}
    assert sorted((s.text, s.why) for s in exported.skipped) == [
        ("What is the wifi password", "in training data"), ("wifi?", "conflict with ask_wifi"), ("x", "unknown intent"),
    ]


def test_the_export_target_is_not_compared_with_itself() -> None:
    target = PROJECT_ROOT / "data" / "nlu" / "helpdesk.yml"
    files = other_training_files(target)
    assert target not in files and all(p.suffix == ".yml" and p.name not in ("domain.yml", "config.yml") for p in files)


def test_questions_marked_as_a_new_faq_are_listed_once() -> None:
    import yaml

    text = render_faq(["Is there a prayer room?", "is there a prayer room?", "Can I smoke: inside?"])
    assert yaml.safe_load(text) == {"questions": ["Can I smoke: inside?", "Is there a prayer room?"]}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_export_training_command_writes_the_labelled_questions(desk: Desk, database_url: str, tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    first, second, faq = await desk.ticket(text="wifi code?? [urgent]"), await desk.ticket(text="hall name"), await desk.ticket(text="Is there a prayer room?")
    await desk.helpdesk.label(first, "ask_wifi", False, "Budi")
    await desk.helpdesk.label(second, "ask_venue", False, "Budi")
    await desk.helpdesk.label(faq, None, True, "Budi")
    monkeypatch.setenv("DATABASE_URL", database_url)
    target, faq_file = tmp_path / "nlu" / "helpdesk.yml", tmp_path / "faq.yml"

    assert await asyncio.to_thread(main, ["export-training", str(target), "--faq", str(faq_file)]) == 0

    out = capsys.readouterr().out
    assert "2 example(s) in 2 intent(s)" in out and "1 question(s) marked as a new FAQ" in out
    data = read_with_rasa(target.read_text(encoding="utf-8"), tmp_path)
    assert sorted((m.get("intent"), m.get("text")) for m in data.training_examples) == [("ask_venue", "hall name"), ("ask_wifi", "wifi code?? [urgent]")]
    assert "prayer room" in faq_file.read_text(encoding="utf-8")
