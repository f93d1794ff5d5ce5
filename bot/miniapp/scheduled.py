"""The Mini App's menu button: set once for the bot (in the event's default language) when it starts,
then per chat for delegates who read another language (Telegram's setChatMenuButton has no
language_code, unlike setMyCommands). What was set is recorded (MenuButtons), so a restart does not
set it again, and a delegate who changes language or a new PUBLIC_URL gets it set anew.

Only with an https PUBLIC_URL: Telegram opens nothing else as a Mini App.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Bot, MenuButtonWebApp, WebAppInfo
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application

from bot.i18n import Translator
from bot.miniapp.service import MenuButtons
from bot.runtime import Services
from bot.telegram.render import with_retries

log = logging.getLogger(__name__)
TICK_SECONDS = 5.0
BATCH = 20  # chats per tick: a few calls a second, far below Telegram's limits


def menu_text(tr: Translator) -> str:
    return tr._("Programme")


def menu_loop(services: Services, buttons: MenuButtons, url: str) -> Callable[[Application], Awaitable[None]]:  # type: ignore[type-arg]
    async def miniapp_menu_button(app: Application) -> None:  # type: ignore[type-arg]
        await set_default(app.bot, services, url)
        while True:
            await tick(app.bot, services, buttons, url)
            await services.clock.sleep(TICK_SECONDS)

    return miniapp_menu_button


async def set_default(bot: Bot, services: Services, url: str) -> None:
    tr = await services.answers.translator(services.delegates.default_language)
    try:
        await with_retries(lambda: bot.set_chat_menu_button(menu_button=MenuButtonWebApp(menu_text(tr), WebAppInfo(url))), "setChatMenuButton")
        log.info("Mini App menu button set: %s", url)
    except TelegramError:
        log.warning("could not set the Mini App's menu button", exc_info=True)


async def tick(bot: Bot, services: Services, buttons: MenuButtons, url: str) -> int:
    """Sets the button of the chats that need it; how many were set."""
    done = 0
    for due in await buttons.due(url, BATCH):
        tr = await services.answers.translator(due.language)
        button = MenuButtonWebApp(menu_text(tr), WebAppInfo(url))
        try:
            await with_retries(lambda chat_id=due.chat_id, button=button: bot.set_chat_menu_button(chat_id=chat_id, menu_button=button),  # type: ignore[misc]
                               "setChatMenuButton")
        except (Forbidden, BadRequest) as error:  # blocked, or the chat is gone: recorded, not retried
            log.info("menu button of chat %s not set: %s", due.chat_id, error)
        except TelegramError:
            log.warning("setting menu buttons failed; trying again later", exc_info=True)
            return done
        await buttons.record(due.chat_id, due.language, url)
        done += 1
    return done
