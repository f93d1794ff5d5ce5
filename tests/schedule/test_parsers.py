"""The three real exports parse with the right instants: each test reads a talk's local start as
the file writes it and checks the instant the parser made of it, in the conference's zone."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.schedule.parse import ScheduleFormatError, detect_format, parse_schedule
from bot.schedule.schema import Schedule, Talk
from tests.schedule.exports import DEBCONF, LCA, RC3, export


def talk(schedule: Schedule, export_id: str) -> Talk:
    return next(t for t in schedule.talks if t.export_id == export_id)


def local(t: Talk, zone: str) -> str:
    return t.starts_at.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


@pytest.fixture(scope="module")
def debconf() -> Schedule:
    return parse_schedule(export(DEBCONF))


@pytest.fixture(scope="module")
def rc3() -> Schedule:
    return parse_schedule(export(RC3))


@pytest.fixture(scope="module")
def lca() -> Schedule:
    return parse_schedule(export(LCA))


def test_debconf_reads_the_utc_date_not_the_local_start(debconf: Schedule) -> None:
    assert (debconf.format, debconf.timezone, debconf.acronym) == ("frab-xml", "Asia/Kolkata", "debconf23")
    assert len(debconf.talks) == 117 and not debconf.problems
    # <date>2023-09-10T05:00:00+00:00</date> <start>10:30</start>: +05:30
    assert local(talk(debconf, "35"), "Asia/Kolkata") == "2023-09-10 10:30"
    assert talk(debconf, "35").starts_at == datetime(2023, 9, 10, 5, 0, tzinfo=timezone.utc)
    assert local(talk(debconf, "185"), "Asia/Kolkata") == "2023-09-16 18:00"
    assert local(talk(debconf, "192"), "Asia/Kolkata") == "2023-09-17 16:30"


def test_debconf_talks_carry_track_room_type_and_speakers(debconf: Schedule) -> None:
    opening = talk(debconf, "35")
    assert opening.title == "Opening Ceremony" and opening.room == "Anamudi"
    assert opening.track == "Community, diversity, local outreach and social context"
    assert [p.name for p in opening.persons] == ["Sruthi Chandran"]
    assert opening.guid == "455d075f-48c0-2ec2-24b3-f5add30c383a" and opening.type == "Long talk (45 minutes)"
    assert (opening.ends_at - opening.starts_at).total_seconds() == 20 * 60
    assert len({t.track for t in debconf.talks}) == 12 and len({t.room for t in debconf.talks}) == 5


def test_rc3_offsets_without_a_zone_name(rc3: Schedule) -> None:
    assert (rc3.format, rc3.acronym, len(rc3.talks)) == ("pretalx-json", "rc3-channels-2020", 48)
    assert rc3.timezone == "Etc/GMT-1"  # +01:00 as an IANA fixed-offset zone
    assert local(talk(rc3, "15"), "Europe/Berlin") == "2020-12-27 11:30"
    assert local(talk(rc3, "146"), "Europe/Berlin") == "2020-12-28 12:00"
    assert local(talk(rc3, "110"), "Europe/Berlin") == "2020-12-30 16:00"


def test_rc3_keeps_languages_and_biographies_but_not_private_answers(rc3: Schedule) -> None:
    assert sum(t.language == "de" for t in rc3.talks) == 19 and sum(t.language == "en" for t in rc3.talks) == 29
    iommu = talk(rc3, "146")
    assert [p.name for p in iommu.persons] == ["Ilja van Sprundel", "Joseph Tartaro"]
    assert iommu.persons[0].key.startswith("code:")
    assert not any("0160" in t.description or "0160" in t.abstract for t in rc3.talks)  # a phone number in `answers`


def test_lca_tzid_without_vtimezone(lca: Schedule) -> None:
    assert (lca.format, lca.timezone, len(lca.talks)) == ("ics", "Australia/Brisbane", 262)
    assert local(talk(lca, "94"), "Australia/Brisbane") == "2020-01-15 09:00"  # Wednesday Welcome
    assert local(talk(lca, "40"), "Australia/Brisbane") == "2020-01-16 11:40"  # NTFS really isn't that bad
    assert local(talk(lca, "201"), "Australia/Brisbane") == "2020-01-14 07:00"
    assert talk(lca, "94").starts_at == datetime(2020, 1, 14, 23, 0, tzinfo=timezone.utc)


def test_lca_speaker_comes_out_of_the_html_description(lca: Schedule) -> None:
    ntfs = talk(lca, "40")
    assert [p.name for p in ntfs.persons] == ["Robert Collins"]
    assert not ntfs.description.startswith("Speaker") and "rustup" in ntfs.description
    plenary = talk(lca, "201")
    assert "<p>" not in plenary.description and "Women of Open Technology Breakfast" in plenary.description
    assert sum(1 for t in lca.talks if t.room is None) == 17


def test_the_format_is_recognised_from_the_content() -> None:
    assert detect_format(b"\xef\xbb\xbf  BEGIN:VCALENDAR\r\n") == "ics"
    assert detect_format(b'\n{"schedule": {}}') == "pretalx-json"
    assert detect_format(b'<?xml version="1.0"?><schedule/>') == "frab-xml"
    with pytest.raises(ScheduleFormatError, match="not a schedule"):
        detect_format(b"event:\n  id: x\n")


def test_a_broken_event_is_reported_with_its_line_and_the_rest_imported() -> None:
    text = export(DEBCONF).decode("utf-8")
    broken = text.replace("<start>10:30</start>", "<start>10:30</start>", 1).replace(
        "<date>2023-09-10T05:00:00+00:00</date>", "<date>soon</date>", 1).replace("<duration>00:20</duration>", "<duration>twenty</duration>", 2)
    schedule = parse_schedule(broken.encode("utf-8"))
    assert len(schedule.talks) == 115
    messages = [str(p) for p in schedule.problems]
    assert messages[0].startswith("event 35 (line 34): has no usable <date> or <start> ('soon')")
    assert any(m.startswith("event 211 (line 89): <duration> 'twenty' is not HH:MM") for m in messages)


def test_entity_expansion_is_refused_not_parsed() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><schedule>&b;</schedule>'
    with pytest.raises(ScheduleFormatError, match="forbidden construct"):
        parse_schedule(bomb)
    with pytest.raises(ScheduleFormatError, match="not well-formed XML at line 1"):
        parse_schedule(b"<schedule><day></schedule>")


def test_json_problems_name_the_entry() -> None:
    data = b'{"schedule": {"conference": {"title": "T", "days": [{"rooms": {"Hall": [{"id": 7, "title": "", "date": "2024-01-01T10:00:00+07:00", "duration": "00:30"}, {"id": 8, "title": "Fine", "date": "2024-01-01T11:00:00+07:00", "duration": "00:30"}]}}]}}}'
    schedule = parse_schedule(data)
    assert [t.title for t in schedule.talks] == ["Fine"]
    assert [str(p) for p in schedule.problems] == ["days[0].rooms['Hall'][0] (id 7): has no title"]
    assert schedule.timezone == "Etc/GMT-7"
    with pytest.raises(ScheduleFormatError, match="not valid JSON at line 1"):
        parse_schedule(b'{"schedule": ')


def test_ics_floating_time_without_any_zone_is_a_problem() -> None:
    data = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:1\r\nSUMMARY:Talk\r\nDTSTART:20240101T100000\r\nDTEND:20240101T110000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    schedule = parse_schedule(data)
    assert not schedule.talks
    assert str(schedule.problems[0]).startswith("VEVENT 1 (line 3): DTSTART is missing or has no time zone")
