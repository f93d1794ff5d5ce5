"""The event file loader accepts a good file whole and refuses a bad one with every problem."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import pytest

from bot.event.loader import EventFileError, load_event_file, parse_event
from bot.i18n import UI_LANGUAGES as LANGUAGES
from tests.conftest import SAMPLE_EVENT
from tests.event.minimal import MINIMAL_EVENT


def problems_of(text: str) -> list[str]:
    with pytest.raises(EventFileError) as info:
        parse_event(text, "event.yml")
    return [str(p) for p in info.value.problems]


def test_sample_event_is_complete(sample_event) -> None:
    assert sample_event.event.id == "rcdd2019"
    assert sample_event.event.timezone == "Asia/Jakarta"
    assert len(sample_event.delegations) == 16
    assert {d.date.isoformat() for d in sample_event.days} == {"2019-09-10", "2019-09-11"}
    assert {"retno-marsudi", "cecep-herawan", "telkom-university"} <= {s.id for s in sample_event.speakers}
    assert {f.topic for f in sample_event.faq} >= {"wifi", "dress_code", "meals", "registration", "airport", "contact"}


def texts_of(value: object, path: str) -> list[tuple[str, dict]]:
    """Every translatable text (and text list) in the loaded event, with where it is."""
    if dataclasses.is_dataclass(value):
        return [t for f in dataclasses.fields(value) for t in texts_of(getattr(value, f.name), f"{path}.{f.name}")]
    if isinstance(value, list):
        return [t for i, item in enumerate(value) for t in texts_of(item, f"{path}[{i}]")]
    if isinstance(value, dict) and value and set(value) <= set(LANGUAGES):
        return [(path, value)]
    if isinstance(value, dict):
        return [t for k, item in value.items() for t in texts_of(item, f"{path}.{k}")]
    return []


def test_sample_event_has_english_and_indonesian_for_every_text(sample_event) -> None:
    texts = texts_of(sample_event, "event")
    assert len(texts) > 150  # every section is walked: names, titles, answers, topics, places...
    assert [path for path, text in texts if not (text.get("en") and text.get("id"))] == []


def test_session_times_are_stored_in_utc() -> None:
    data = parse_event(MINIMAL_EVENT)
    opening = data.sessions[0]
    assert opening.starts_at == datetime(2019, 9, 10, 2, 0, tzinfo=timezone.utc)
    assert opening.day_id == "day-1"


def test_plain_text_is_taken_as_default_language() -> None:
    data = parse_event(MINIMAL_EVENT)
    assert data.venue.name == {"en": "Demo Hotel"}


def test_session_ending_before_it_starts_names_field_and_line() -> None:
    bad = MINIMAL_EVENT.replace("end: 2019-09-10 11:00", "end: 2019-09-10 09:30")
    line = bad.splitlines().index("    end: 2019-09-10 09:30") + 1
    assert f"sessions[1].end: ends before it starts (line {line})" in problems_of(bad)


def test_unknown_speaker_and_room_are_reported() -> None:
    bad = MINIMAL_EVENT.replace("speakers: [ana]", "speakers: [ana, bob]").replace("room: hall\n    speakers", "room: attic\n    speakers")
    found = problems_of(bad)
    assert any(p.startswith("sessions[0].speakers[1]: unknown speaker id 'bob'") for p in found)
    assert any(p.startswith("sessions[0].room: unknown room 'attic'") for p in found)


def test_overlapping_sessions_in_one_room_are_refused() -> None:
    bad = MINIMAL_EVENT.replace("start: 2019-09-10 10:00", "start: 2019-09-10 09:30")
    assert any("sessions[1].start: overlaps 'opening'" in p for p in problems_of(bad))


def test_same_times_in_different_rooms_are_fine() -> None:
    ok = MINIMAL_EVENT.replace("start: 2019-09-10 10:00", "start: 2019-09-10 09:30").replace(
        "    end: 2019-09-10 11:00\n    room: hall", "    end: 2019-09-10 11:00\n    room: side")
    assert len(parse_event(ok).sessions) == 2


def test_session_outside_event_days_is_refused() -> None:
    bad = MINIMAL_EVENT.replace("start: 2019-09-10 10:00\n    end: 2019-09-10 11:00", "start: 2019-09-12 10:00\n    end: 2019-09-12 11:00")
    assert any("sessions[1].start: 2019-09-12 is not one of the event days" in p for p in problems_of(bad))


def test_missing_default_language_text_is_refused() -> None:
    bad = MINIMAL_EVENT.replace("title: {en: Opening, id: Pembukaan}", "title: {id: Pembukaan}")
    assert any(p.startswith("sessions[0].title: has no text in the default language (en)") for p in problems_of(bad))


def test_every_problem_is_reported_at_once() -> None:
    bad = (MINIMAL_EVENT.replace("timezone: Asia/Jakarta", "timezone: Mars/Olympus")
           .replace("latitude: -6.2", "latitude: 123")
           .replace("kind: ceremony", "kind: party"))
    found = problems_of(bad)
    assert any(p.startswith("event.timezone: 'Mars/Olympus' is not an IANA time zone") for p in found)
    assert any(p.startswith("venue.latitude: 123 is outside [-90, 90]") for p in found)
    assert any(p.startswith("sessions[0].kind: 'party' is not one of") for p in found)


def test_duplicate_ids_and_keys_are_reported() -> None:
    bad = MINIMAL_EVENT.replace("  - id: talk", "  - id: opening")
    assert any("sessions[1].id: 'opening' is already used by sessions[0]" in p for p in problems_of(bad))
    dup = MINIMAL_EVENT.replace("  host: Host Ministry\n", "  host: Host Ministry\n  host: Again\n")
    assert any(p.startswith("event.host: appears twice") for p in problems_of(dup))


def test_broken_yaml_names_the_line() -> None:
    found = problems_of(MINIMAL_EVENT.replace("  host: Host Ministry", "  host: [unclosed"))
    assert len(found) == 1 and "not valid YAML" in found[0] and "(line " in found[0]


@pytest.mark.parametrize("text", ["", "just a string", "- a list"])
def test_a_file_that_is_not_an_event_is_refused(text: str) -> None:
    assert problems_of(text)


def test_missing_file_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(EventFileError, match="file not found"):
        load_event_file(tmp_path / "nope.yml")


def test_sample_file_loads_from_disk() -> None:
    assert load_event_file(SAMPLE_EVENT).event.default_language == "en"


def test_a_misspelt_field_is_reported_with_its_line_and_a_guess() -> None:
    bad = MINIMAL_EVENT.replace("    speakers: [ana]", "    speaker: [ana]").replace("  directions:", "  directons:")
    found = problems_of(bad)
    line = bad.splitlines().index("    speaker: [ana]") + 1
    assert f"sessions[0].speaker: unknown field; did you mean 'speakers'? (line {line})" in found
    assert any(p.startswith("venue.directons: unknown field; did you mean 'directions'?") for p in found)


def test_an_organisers_word_for_a_field_is_pointed_to_the_formats_word() -> None:
    bad = MINIMAL_EVENT.replace("    aliases: [Bu Ana]", "    aliases: [Bu Ana]\n    role: Director")
    assert any(p.startswith("speakers[0].role: unknown field; did you mean 'title'?") for p in problems_of(bad))
    unknown = MINIMAL_EVENT.replace("    aliases: [Bu Ana]", "    aliases: [Bu Ana]\n    shoe_size: 42")
    assert any(p.startswith("speakers[0].shoe_size: unknown field (known: id, name,") for p in problems_of(unknown))


def test_session_keywords_join_its_topics_for_matching() -> None:
    text = MINIMAL_EVENT.replace(
        "    speakers: [ana]",
        "    speakers: [ana]\n    topics: {en: [welcome]}\n    keywords: {en: [kick-off, welcome], id: [pembukaan acara]}",
    )
    opening = parse_event(text).sessions[0]
    assert opening.topics == {"en": ["welcome", "kick-off"], "id": ["pembukaan acara"]}


def line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


@pytest.mark.parametrize("date_line", ["    date: 2019-02-30", "    date: 2019-09-10 10:00:00", "    date: !!timestamp soon"])
def test_an_impossible_or_timed_day_date_is_a_problem_not_a_crash(date_line: str) -> None:
    bad = MINIMAL_EVENT.replace("    date: 2019-09-10", date_line)
    found = problems_of(bad)
    assert any(p.startswith("days[0].date:") and p.endswith(f"(line {line_of(bad, date_line)})") for p in found), found


def test_explicit_tags_with_bad_values_are_reported_by_their_field() -> None:
    bad = MINIMAL_EVENT.replace("    number: 1", "    number: !!int one").replace("  latitude: -6.2", "  latitude: !!float north")
    found = problems_of(bad)
    assert any(p.startswith("sessions[0].number: 'one' is not a whole number") for p in found)
    assert any(p.startswith("venue.latitude: 'north' is not a number") for p in found)


def test_every_field_of_an_entry_is_checked_even_when_another_is_wrong() -> None:
    bad = MINIMAL_EVENT.replace("    end: 2019-09-10 10:00\n", "    end: 2019-09-10 08:00\n    description: {fr: Bonjour}\n")
    bad = bad.replace("    aliases: [Bu Ana]", "    aliases: [Bu Ana]\n    kind: robot\n    bio: {xx: hi}").replace("  - id: ana", "  - id: 'ana!'")
    found = problems_of(bad)
    assert any(p.startswith("sessions[0].end: ends before it starts") for p in found)
    assert any(p.startswith("sessions[0].description.fr: language 'fr' is not in event.languages") for p in found)
    assert any(p.startswith("speakers[0].id: 'ana!' is not a valid id") for p in found)
    assert any(p.startswith("speakers[0].kind: 'robot' is not one of") for p in found)
    assert any(p.startswith("speakers[0].bio.xx: language 'xx'") for p in found)


def test_a_long_session_overlapping_several_others_is_reported_for_each() -> None:
    three = MINIMAL_EVENT.replace(
        "  - id: talk\n    title: Talk\n    kind: session\n    start: 2019-09-10 10:00",
        "  - id: short\n    title: Short\n    kind: session\n    start: 2019-09-10 09:10\n    end: 2019-09-10 09:20\n    room: hall\n"
        "  - id: talk\n    title: Talk\n    kind: session\n    start: 2019-09-10 09:30",
    )
    found = [p for p in problems_of(three) if "overlaps" in p]
    assert any(p.startswith("sessions[1].start: overlaps 'opening'") for p in found)
    assert any(p.startswith("sessions[2].start: overlaps 'opening'") for p in found)
    assert len(found) == 2


def test_a_copied_session_is_a_duplicate_not_an_overlap_with_itself() -> None:
    block = MINIMAL_EVENT[MINIMAL_EVENT.index("  - id: talk"):MINIMAL_EVENT.index("faq:")]
    found = problems_of(MINIMAL_EVENT.replace(block, block + block))
    assert any("'talk' is already used by sessions[1]" in p for p in found)
    assert not any("overlaps" in p for p in found)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (("  - id: ana", "  - id: ana\n    organisation: ACME"), None),
        (("    name: Ana Putri", "    name: " + "A" * 201), "speakers[0].name: is 201 characters long; at most 200"),
        (("  default_language: en", "  default_language: en\n  hashtag: " + "h" * 101), "event.hashtag: is 101 characters long; at most 100"),
    ],
)
def test_values_longer_than_the_database_keeps_are_refused(edit: tuple[str, str], expected: str | None) -> None:
    text = MINIMAL_EVENT.replace(*edit)
    if expected is None:
        parse_event(text)
    else:
        assert any(p.startswith(expected) for p in problems_of(text))


def test_a_delegation_id_is_a_short_code() -> None:
    text = MINIMAL_EVENT + "delegations:\n  - {id: BRUNEI-DS, name: Brunei}\n"
    assert any(p.startswith("delegations[0].id: is 9 characters long; at most 8") for p in problems_of(text))


def test_exhibition_hours_are_local_times_without_an_offset() -> None:
    text = MINIMAL_EVENT + 'exhibition:\n  title: Expo\n  hours:\n    - {day: day-1, start: "09:00+07:00", end: "17:00"}\n'
    assert any(p.startswith("exhibition.hours[0].start: is not a local time") for p in problems_of(text))


def test_a_self_referring_alias_and_an_alias_bomb_are_refused_quickly() -> None:
    assert any("refers to itself" in p for p in problems_of(MINIMAL_EVENT + "extra: &a [*a]\n"))
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True))
    assert any("expands to more than" in p for p in problems_of(bomb))


def test_merge_keys_fill_in_shared_fields() -> None:
    text = MINIMAL_EVENT.replace("    room: hall\n    speakers: [ana]", "    <<: &in-hall {room: hall}\n    speakers: [ana]")
    text = text.replace("    end: 2019-09-10 11:00\n    room: hall", "    end: 2019-09-10 11:00\n    <<: *in-hall")
    assert [s.room_id for s in parse_event(text).sessions] == ["hall", "hall"]


def test_values_stay_as_written_not_as_yaml_1_1_reads_them() -> None:
    text = MINIMAL_EVENT.replace("  - id: ana\n    name: Ana Putri", "  - id: 010\n    name: no").replace("speakers: [ana]", "speakers: ['010']")
    speaker = parse_event(text).speakers[0]
    assert (speaker.id, speaker.name) == ("010", "no")


def test_a_session_start_needs_a_time_of_day() -> None:
    bad = MINIMAL_EVENT.replace("    start: 2019-09-10 09:00", '    start: "2019-09-10"')
    assert any(p.startswith("sessions[0].start: '2019-09-10' is not a local date and time") for p in problems_of(bad))


def test_two_days_on_one_date_are_refused() -> None:
    bad = MINIMAL_EVENT.replace("days:\n", "days:\n  - {id: day-0, date: 2019-09-10, label: Again}\n")
    assert any(p.startswith("days[1].date: 2019-09-10 is already the date of days[0]") for p in problems_of(bad))


def test_a_day_with_a_bad_label_does_not_take_its_sessions_off_the_calendar() -> None:
    found = problems_of(MINIMAL_EVENT.replace("label: {en: Day 1, id: Hari pertama}", "label: {id: Hari pertama}"))
    assert any(p.startswith("days[0].label: has no text in the default language") for p in found)
    assert not any("not one of the event days" in p for p in found)


def test_a_default_language_outside_the_list_is_one_problem() -> None:
    found = problems_of(MINIMAL_EVENT.replace("default_language: en", "default_language: fr"))
    assert found == [f"event.default_language: 'fr' is not in event.languages (line {line_of(MINIMAL_EVENT, 'default_language')})"]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (("languages: [en, id]", "languages: []"), "event.languages: lists no language"),
        (("languages: [en, id]", "languages: [en, id, en]"), "event.languages[2]: 'en' is listed twice"),
        (("days:\n  - id: day-1\n    date: 2019-09-10\n    label: {en: Day 1, id: Hari pertama}\n", "days: []\n"), "days: lists no day"),
    ],
)
def test_degenerate_lists_are_refused(edit: tuple[str, str], expected: str) -> None:
    assert any(p.startswith(expected) for p in problems_of(MINIMAL_EVENT.replace(*edit)))


def test_an_empty_programme_is_refused_rather_than_cancelling_everything() -> None:
    head = MINIMAL_EVENT[:MINIMAL_EVENT.index("sessions:")]
    found = problems_of(head + "sessions: []\n")
    assert any(p.startswith("sessions: lists no session") for p in found)


def test_a_bad_character_or_encoding_is_reported_with_its_line(tmp_path) -> None:
    assert any("line 3" in p for p in problems_of("event:\n  id: x\n  name: a\x00b\n"))
    latin = tmp_path / "event.yml"
    latin.write_bytes(MINIMAL_EVENT.replace("Ana Putri", "Ana Pütri").encode("latin-1"))
    with pytest.raises(EventFileError) as info:
        load_event_file(latin)
    assert "not UTF-8" in str(info.value) and f"(line {line_of(MINIMAL_EVENT, 'Ana Putri')})" in str(info.value)


def test_an_faq_entry_may_have_no_topic_and_paraphrases_that_train_the_model() -> None:
    text = MINIMAL_EVENT + (
        "  - id: prayer-room\n    question: {en: Is there a prayer room?, id: Ada musholla?}\n    answer: Level B1.\n"
        "    paraphrases: {en: [Where can I pray?], id: [Sholat di mana?]}\n"
    )
    entry = parse_event(text).faq[-1]
    assert (entry.id, entry.topic) == ("prayer-room", "other")
    assert entry.paraphrases == {"en": ["Where can I pray?"], "id": ["Sholat di mana?"]}


def test_a_misspelt_paraphrases_field_is_reported() -> None:
    text = MINIMAL_EVENT + "  - id: x\n    question: Q?\n    answer: A.\n    paraphrase: [Q again?]\n"
    with pytest.raises(EventFileError, match=r"faq\[1\]\.paraphrase: unknown field; did you mean 'paraphrases'"):
        parse_event(text)
