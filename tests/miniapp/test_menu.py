"""The Mini App's menu button per chat: which chats need one set (a language other than the default,
a language changed, a new address), recorded so a restart does not set it again, and forgotten."""

from __future__ import annotations

from bot.clock import ManualClock
from bot.db import Database
from bot.delegates.service import DelegateService
from bot.miniapp.feature import miniapp_url
from bot.miniapp.service import MenuButtons, MenuDue

URL = "https://assistant.example.org/app"


async def test_chats_reading_another_language_get_their_own_button_once(loaded_database: Database, clock: ManualClock) -> None:
    delegates = DelegateService(loaded_database, ("en", "id", "th"), "en")
    buttons = MenuButtons(loaded_database, "en", clock.now)
    for user_id, language in ((1, "en"), (2, "id"), (3, "th")):
        await delegates.seen(user_id, user_id, clock.now(), first_name="D", language_code=language)

    due = await buttons.due(URL)
    for chat in due:
        await buttons.record(chat.chat_id, chat.language, URL)
    after = await buttons.due(URL)
    await delegates.set_language(2, "th")
    changed = await buttons.due(URL)
    moved = await buttons.due("https://elsewhere.example.org/app")
    await buttons.forget(3)

    assert due == [MenuDue(2, "id"), MenuDue(3, "th")] and after == []
    assert changed == [MenuDue(2, "th")] and moved == [MenuDue(2, "th"), MenuDue(3, "th")]
    assert await buttons.due(URL) == [MenuDue(2, "th"), MenuDue(3, "th")]


def test_the_mini_app_is_offered_only_at_an_https_address() -> None:
    assert miniapp_url("https://assistant.example.org/") == URL
    assert miniapp_url("http://assistant.example.org") is None and miniapp_url(None) is None
