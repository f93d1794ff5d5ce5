"""Reading "send at 13:25" the way organisers write it, in the event's time zone (with and without DST)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.broadcasts.replies import when_text
from bot.broadcasts.when import WhenError, parse_send_time, utc_offset
from bot.i18n import Translator

JAKARTA = "Asia/Jakarta"
NOW = datetime.fromisoformat("2019-09-10T10:15:00+07:00")


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("13:25", "2019-09-10 13:25"),
        ("send at 13:25", "2019-09-10 13:25"),
        ("13.25", "2019-09-10 13:25"),
        ("13h25", "2019-09-10 13:25"),
        ("1:25 pm", "2019-09-10 13:25"),
        ("1pm", "2019-09-10 13:00"),
        ("12 am tomorrow", "2019-09-11 00:00"),
        ("today 18:30", "2019-09-10 18:30"),
        ("tomorrow 9:00", "2019-09-11 09:00"),
        ("besok jam 9.00", "2019-09-11 09:00"),
        ("pukul 13.25 WIB", "2019-09-10 13:25"),
        ("11 Sep 13:25", "2019-09-11 13:25"),
        ("Sep 11, 13:25", "2019-09-11 13:25"),
        ("11 September 2019 at 13:25", "2019-09-11 13:25"),
        ("11 september 13.25", "2019-09-11 13:25"),
        ("2019-09-11 13:25", "2019-09-11 13:25"),
        ("2019-09-11T13:25", "2019-09-11 13:25"),
        ("11.09.2019 13:25", "2019-09-11 13:25"),
        ("11/09 13:25", "2019-09-11 13:25"),
        ("11.09 13.25", "2019-09-11 13:25"),
        ("13:25 11/09", "2019-09-11 13:25"),
        ("in 10 minutes", "2019-09-10 10:25"),
        ("in 2 hours", "2019-09-10 12:15"),
        ("  SEND AT 13:25  ", "2019-09-10 13:25"),
    ],
)
def test_times_are_read_in_the_event_zone(text: str, local: str) -> None:
    when = parse_send_time(text, NOW, JAKARTA)

    assert when.instant.tzinfo is not None
    assert when.instant.astimezone(ZoneInfo(JAKARTA)).strftime("%Y-%m-%d %H:%M") == local


@pytest.mark.parametrize("text", ["", "soon", "next friday", "25:00", "13:75", "13 pm", "31.02 10:00", "2019-13-01 10:00", "11 Sep", "13:25 lunch"])
def test_what_cannot_be_read_is_refused_not_guessed(text: str) -> None:
    with pytest.raises(WhenError) as refused:
        parse_send_time(text, NOW, JAKARTA)
    assert refused.value.code == "unreadable"


@pytest.mark.parametrize("text", ["10:00", "2019-09-09 13:25", "11 Aug 10:00"])
def test_a_time_already_past_is_refused(text: str) -> None:
    with pytest.raises(WhenError) as refused:
        parse_send_time(text, NOW, JAKARTA)
    assert refused.value.code == "past"


def test_a_minute_late_means_now() -> None:
    assert parse_send_time("10:15", NOW.replace(second=40), JAKARTA).instant == NOW.replace(second=40)


def test_a_time_in_the_spring_forward_gap_moves_forward_and_says_so() -> None:
    now = datetime.fromisoformat("2021-03-27T12:00:00+01:00")

    when = parse_send_time("2021-03-28 02:30", now, "Europe/Berlin")

    assert when.shifted
    assert when.instant.astimezone(ZoneInfo("Europe/Berlin")).strftime("%H:%M %z") == "03:30 +0200"


def test_an_ambiguous_autumn_time_is_the_first_one() -> None:
    now = datetime.fromisoformat("2021-10-30T12:00:00+02:00")

    when = parse_send_time("2021-10-31 02:30", now, "Europe/Berlin")

    assert not when.shifted and when.instant.astimezone(ZoneInfo("Europe/Berlin")).utcoffset().total_seconds() == 7200  # type: ignore[union-attr]


def test_the_resolved_instant_is_confirmed_with_babel_and_the_offset_of_that_day() -> None:
    berlin_summer = datetime.fromisoformat("2021-07-01T11:25:00+00:00")
    jakarta = parse_send_time("11 Sep 13:25", NOW, JAKARTA).instant

    assert when_text(Translator("en", JAKARTA), jakarta) == "Wednesday, September 11, 2019 at 1:25\u202fPM (UTC+7)"
    assert when_text(Translator("id", JAKARTA), jakarta).startswith("Rabu, 11 September 2019")
    assert utc_offset(berlin_summer, ZoneInfo("Europe/Berlin")) == "UTC+2"
    assert utc_offset(berlin_summer, ZoneInfo("Asia/Kolkata")) == "UTC+5:30"
