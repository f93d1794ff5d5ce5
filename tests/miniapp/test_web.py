"""The Mini App's views over HTTP: nothing without valid initData; each delegate sees and changes only
their own agenda, which is their chat's reminders; `public: false` rooms only for verified delegates;
the delegate's language; escaped output under a strict Content-Security-Policy."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.i18n import Translator
from bot.miniapp.web import text_direction
from tests.miniapp.conftest import Mini


def listed(html: str) -> list[str]:
    """The sessions a programme view lists, in order."""
    return re.findall(r'<li class="session[^"]*" data-session="([^"]+)"', html)


async def test_without_valid_init_data_the_api_answers_401_and_no_data(mini: Mini) -> None:
    await mini.delegate(1001)
    forged = mini.init_data(1001, token="654321:SOMEONE-ELSE")
    expired = mini.init_data(1001, age=timedelta(hours=2))

    for path in ("/app/api/programme", "/app/api/agenda", "/app/api/talk/opening-ceremony", "/app/api/speakers", "/app/api/venue"):
        for init_data in (None, forged, expired, "user=%7B%22id%22%3A1001%7D&auth_date=1&hash=00"):
            response = await mini.get(path, init_data=init_data)
            body = await response.text()
            assert response.status == 401, (path, init_data)
            assert "Opening" not in body and "Grand Ballroom" not in body and "Telegram" in body
    star = await mini.client.post("/app/api/star", json={"session": "welcome-dinner", "starred": True}, headers={"Authorization": f"tma {forged}"})
    assert star.status == 401 and await mini.reminders.entries(1001) == []


async def test_someone_who_never_started_the_chat_is_asked_to_start_it(mini: Mini) -> None:
    response = await mini.get("/app/api/programme", user_id=999_999)

    assert response.status == 403 and "Start a chat with the assistant" in await response.text()


async def test_the_page_itself_holds_no_data_and_only_our_own_script(mini: Mini) -> None:
    page = await mini.client.get("/app")
    html = await page.text()
    script = await mini.client.get("/app/static/miniapp.js")

    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "default-src 'none'" in csp
    assert '<script src="/app/static/miniapp.js"' in html and "http" not in html.replace('http-equiv', '')
    assert script.status == 200 and "tgWebAppData" in await script.text()


async def test_the_programme_shows_a_day_in_the_delegates_language(mini: Mini) -> None:
    await mini.delegate(1001, "id")

    response = await mini.get("/app/api/programme?day=day-1", user_id=1001)
    html = await response.text()

    assert response.status == 200 and response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert 'lang="id"' in html and 'dir="ltr"' in html
    assert "Registrasi dan kopi selamat datang" in html and "Jamuan makan malam" in html
    assert ">Agenda saya<" in html and ">Program<" in html  # the tabs speak her language too


async def test_a_star_is_a_reminder_of_the_chat_and_the_chats_reminders_are_stars(mini: Mini) -> None:
    await mini.delegate(1001)
    await mini.reminders.subscribe(1001, ["session-2-crisis"])  # "remind me about the panel" in the chat

    starred = await mini.star(1001, "welcome-dinner")
    agenda = await (await mini.get("/app/api/agenda", user_id=1001)).text()
    entries = [s.id for s, _ in await mini.reminders.entries(1001)]

    assert starred["starred"] is True and "remind you" in str(starred["message"])
    assert entries == ["session-2-crisis", "welcome-dinner"] or set(entries) == {"session-2-crisis", "welcome-dinner"}
    assert "Welcome dinner" in agenda and 'data-star="welcome-dinner" aria-pressed="true"' in agenda
    unstarred = await mini.star(1001, "welcome-dinner", starred=False)
    assert unstarred["starred"] is False and [s.id for s, _ in await mini.reminders.entries(1001)] == ["session-2-crisis"]


async def test_a_delegate_sees_and_changes_only_their_own_agenda(mini: Mini) -> None:
    await mini.delegate(1001)
    await mini.delegate(1002)
    await mini.star(1001, "welcome-dinner")

    theirs = await (await mini.get("/app/api/agenda", user_id=1002)).text()
    await mini.star(1002, "welcome-dinner", starred=False)
    spoofed = await mini.client.get("/app/api/agenda?user=1001", headers={"Authorization": f"tma {mini.init_data(1002)}"})

    assert "Welcome dinner" not in theirs and "Welcome dinner" not in await spoofed.text()
    assert [s.id for s, _ in await mini.reminders.entries(1001)] == ["welcome-dinner"]


async def test_a_sessions_room_marked_not_public_shows_only_to_verified_delegates(mini: Mini) -> None:
    await mini.delegate(1001)
    await mini.delegate(1002, verified=True)

    guest = await (await mini.get("/app/api/talk/welcome-dinner", user_id=1001)).text()
    verified = await (await mini.get("/app/api/talk/welcome-dinner", user_id=1002)).text()
    listing = await (await mini.get("/app/api/programme?day=day-1", user_id=1001)).text()

    assert "Orchid Room" not in guest and "accreditation code" in guest
    assert "Orchid Room" in verified
    dinner = listing[listing.index('data-session="welcome-dinner"'):].split("</li>")[0]
    assert "Orchid Room" not in dinner and "Room shown to verified delegates" in dinner


async def test_a_session_that_started_cannot_be_starred_and_says_why(mini: Mini) -> None:
    await mini.delegate(1001)
    mini.clock.advance(days=3)

    result = await mini.star(1001, "welcome-dinner")
    unknown = await mini.star(1001, "no-such-session")

    assert result["starred"] is False and "already started" in str(result["message"])
    assert unknown["outcome"] == "unknown"


async def test_search_filters_and_pages(mini: Mini) -> None:
    await mini.delegate(1001)

    found = await (await mini.get("/app/api/programme?q=dinner", user_id=1001)).text()
    ceremonies = await (await mini.get("/app/api/programme?day=day-1&kind=ceremony", user_id=1001)).text()
    odd = await mini.get("/app/api/programme?day=%3Cscript%3E&kind=%22%3E&offset=abc&q=" + "x" * 500, user_id=1001)

    assert listed(found) == ["welcome-dinner"]
    assert "opening-ceremony" in listed(ceremonies) and "welcome-dinner" not in listed(ceremonies)
    assert odd.status == 200 and "<script>" not in await odd.text()


async def test_talk_speakers_and_venue_pages(mini: Mini) -> None:
    await mini.delegate(1001)

    talk = await (await mini.get("/app/api/talk/session-2-panel-economic", user_id=1001)).text()
    speakers = await (await mini.get("/app/api/speakers", user_id=1001)).text()
    venue = await (await mini.get("/app/api/venue", user_id=1001)).text()
    missing = await mini.get("/app/api/talk/nothing-here", user_id=1001)

    assert "data-phone-time" in talk and "on your phone" in talk and "<h2>Speakers</h2>" in talk
    assert 'data-view="/app/api/speakers/' in speakers
    assert "Nearby" in venue and "minutes on foot" in venue or "minute on foot" in venue
    assert missing.status == 404


def test_right_to_left_languages_are_marked_so() -> None:
    assert text_direction(Translator("ar")) == "rtl" and text_direction(Translator("he")) == "rtl"
    assert text_direction(Translator("en")) == "ltr" and text_direction(Translator("th")) == "ltr"
