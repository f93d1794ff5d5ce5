"""Chat with the bot in the terminal, through the local Bot API emulator (the no-token `make run`).

What the person types is sent as the delegate: text as a message, "/agenda" as a command, a number
(or "/2") presses that button of the last message with buttons. The bot's replies are printed as
they arrive: formatted text as plain text, buttons as numbered choices, venues as
"📍 name, address (lat, lon)", documents as "📎 file (N bytes)" (saved under var/console/).
":help" lists the other commands; ":quit" or end of input leaves.

When the input is not a terminal (a pipe, a test), each line waits for the bot's answer before the
next one is read, so a scripted session reads like a conversation.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.telegram.emulator.server import BotApiEmulator
from bot.telegram.emulator.state import CallbackQueryRecord, SentMessage
from bot.telegram.emulator.users import EmulatedUser

HELP = """\
  type a message and press Enter to send it; /command sends a command
  1, 2, ... (or /1)   press that button of the last message with buttons
  :photo [caption]    send a photo          :sticker   send a sticker
  :voice              send a voice note     :location LAT LON   share a location
  :block / :unblock   block or unblock the bot
  :help               this help             :quit      leave (or Ctrl-D)"""


def language_from_env(environ: Mapping[str, str] = os.environ) -> str:
    """The two-letter language of the terminal's locale ($LC_ALL, $LC_MESSAGES, $LANG), else "en"."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        code = value.split(".")[0].split("_")[0].split("-")[0].lower()
        if code and code not in ("c", "posix"):
            return code[:2] if len(code) >= 2 and code[:2].isalpha() else "en"
    return "en"


@dataclass(frozen=True)
class Choice:
    """A numbered choice: an inline button of a bot message, or a reply keyboard button (sent as text)."""

    text: str
    message: SentMessage
    callback_data: str | None = None
    url: str | None = None


def render(sent: SentMessage, first_number: int = 1) -> str:
    """The bot's message as the terminal shows it (choices numbered from `first_number`)."""
    lines: list[str] = []
    if sent.venue is not None:
        venue = sent.venue
        lines.append(f"📍 {venue.title}, {venue.address} ({venue.latitude:g}, {venue.longitude:g})")
    elif sent.location is not None:
        lines.append(f"📍 ({sent.location.latitude:g}, {sent.location.longitude:g})")
    if sent.document is not None:
        lines.append(f"📎 {sent.document.filename or 'file'} ({sent.document.size} bytes)")
    if sent.photo is not None:
        lines.append(f"🖼 photo ({sent.photo.size} bytes)")
    if sent.text:
        lines.extend(sent.text.splitlines() or [""])
    number = first_number
    for row in sent.buttons:
        cells = []
        for button in row:
            link = button.url or button.web_app  # a Mini App opens like a link here
            cells.append(f"[{number}] {button.text}" + (f" ↗ {link}" if link else ""))
            number += 1
        lines.append("  ".join(cells))
    for keys in sent.keyboard:
        cells = []
        for text in keys:
            cells.append(f"[{number}] {text}")
            number += 1
        lines.append("  ".join(cells))
    if not lines:
        lines.append(f"({sent.method})")
    head = "🤖 (edited) " if sent.edited else "🤖 "
    indent = " " * 3
    return "\n".join([head + lines[0], *(indent + line for line in lines[1:])])


def choices_of(sent: SentMessage) -> list[Choice]:
    choices = [Choice(button.text, sent, button.callback_data, button.url or button.web_app) for row in sent.buttons for button in row]
    choices += [Choice(text, sent) for row in sent.keyboard for text in row]
    return choices


class Console:
    """One person's terminal chat: input handling and reply printing."""

    def __init__(
        self, user: EmulatedUser, stdout: TextIO, save_dir: Path | None, interactive: bool, reply_timeout: float = 5.0
    ) -> None:
        self.user = user
        self.reply_timeout = reply_timeout
        self.stdout = stdout
        self.save_dir = save_dir
        self.interactive = interactive
        self.choices: list[Choice] = []
        self.shown = 0
        self._tasks: set[asyncio.Task[None]] = set()

    def say(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    async def print_replies(self) -> None:
        while True:
            try:
                sent = await self.user.next_reply(timeout=3600)
            except TimeoutError:
                continue
            self.show(sent)

    def show(self, sent: SentMessage) -> None:
        choices = choices_of(sent)
        if choices:
            self.choices = choices
        elif sent.edited and self.choices and self.choices[0].message.message_id == sent.message_id:
            self.choices = []  # the edit removed the buttons we were offering
        if sent.remove_keyboard and self.choices and not self.choices[0].callback_data:
            self.choices = []
        self.say(render(sent))
        if sent.document is not None and self.save_dir is not None:
            try:
                self.say(f"   saved to {self._save(sent)}")
            except OSError as error:
                self.say(f"   (could not save it: {error})")
        self.shown += 1

    def _save(self, sent: SentMessage) -> Path:
        assert sent.document is not None and self.save_dir is not None
        self.save_dir.mkdir(parents=True, exist_ok=True)
        name = Path(sent.document.filename or "document").name
        path = self.save_dir / f"{sent.chat_id}-{sent.message_id}-{name}"
        path.write_bytes(sent.document.data)
        return path

    async def handle(self, line: str) -> bool:
        """Act on one typed line; False when the person wants to leave."""
        line = line.strip()
        if not line:
            return True
        if line.startswith(":"):
            return await self._console_command(line)
        number = line.removeprefix("/")
        if number.isdigit() and (self.choices or line.startswith("/")):
            sent = await self._choose(int(number))
        elif line.startswith("/"):
            sent = bool(await self.user.command(line))
        else:
            sent = bool(await self.user.send(line))
        if sent:
            await self._settle()
        return True

    async def _console_command(self, line: str) -> bool:
        name, _, rest = line.partition(" ")
        rest = rest.strip()
        if name in (":quit", ":q", ":exit"):
            return False
        if name == ":help":
            self.say(HELP)
            return True
        if name == ":photo":
            await self.user.send_photo(caption=rest or None)
        elif name == ":sticker":
            await self.user.send_sticker()
        elif name == ":voice":
            await self.user.send_voice()
        elif name == ":location":
            try:
                latitude, longitude = (float(part) for part in rest.replace(",", " ").split())
            except ValueError:
                self.say("   usage: :location LAT LON, e.g. :location -6.2 106.8")
                return True
            await self.user.send_location(latitude, longitude)
        elif name in (":block", ":unblock"):
            blocked = name == ":block"
            if blocked:
                self.user.block()
            else:
                self.user.unblock()
            self.say(f"   (you {'blocked' if blocked else 'unblocked'} the bot)")
            return True
        else:
            self.say(f"   unknown command {name}; :help lists them")
            return True
        await self._settle()
        return True

    async def _choose(self, number: int) -> bool:
        """Press choice `number`; True when something went to the bot."""
        if not 1 <= number <= len(self.choices):
            self.say(f"   there is no choice {number}" + (f" (1-{len(self.choices)})" if self.choices else ""))
            return False
        choice = self.choices[number - 1]
        if choice.url is not None:
            self.say(f"   (opens {choice.url})")
            return False
        if choice.callback_data is None:
            await self.user.send(choice.text)
            return True
        try:
            query = await self.user.press(choice.message, callback_data=choice.callback_data)
        except LookupError:
            self.say("   that message has no such button any more")
            return False
        task = asyncio.create_task(self._show_answer(query))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def _show_answer(self, query: CallbackQueryRecord) -> None:
        try:
            await self.user.answer_to(query, timeout=10)
        except TimeoutError:
            self.say("   (the bot did not answer the button press)")
            return
        if query.answer_text:
            self.say(("   ⚠ " if query.show_alert else "   💬 ") + query.answer_text)

    async def _settle(self, first: float | None = None, quiet: float = 0.3) -> None:
        """Scripted input: wait for the bot's answer to be shown (and for the bot to go quiet)."""
        if self.interactive:
            return
        loop = asyncio.get_running_loop()
        before = self.shown
        deadline = loop.time() + (self.reply_timeout if first is None else first)
        while self.shown == before and loop.time() < deadline:
            await asyncio.sleep(0.02)
        if self.shown == before:
            return
        last, quiet_until = self.shown, loop.time() + quiet
        while loop.time() < quiet_until:
            await asyncio.sleep(0.02)
            if self.shown != last:
                last, quiet_until = self.shown, loop.time() + quiet
        if self._tasks:  # the answer to a button press
            await asyncio.wait(list(self._tasks), timeout=quiet)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _read_lines(stdin: TextIO) -> asyncio.Queue[str | None]:
    """Lines from `stdin`, read by a daemon thread so the event loop keeps running; None at the end."""
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()

    def put(line: str | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is already closed
            loop.call_soon_threadsafe(lines.put_nowait, line)

    def read() -> None:
        try:
            for line in iter(stdin.readline, ""):
                put(line.rstrip("\r\n"))
        except (OSError, ValueError):
            pass
        put(None)

    threading.Thread(target=read, name="console-stdin", daemon=True).start()
    return lines


async def run_console(
    emu: BotApiEmulator,
    user_id: int = 1,
    name: str = "You",
    language_code: str | None = None,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    *,
    save_dir: Path | None = Path("var/console"),
    reply_timeout: float = 5.0,
) -> None:
    """Chat as `name` (Telegram user `user_id`) until ":quit" or the end of input.

    Documents the bot sends are saved under `save_dir` (None: not saved). With scripted input, each
    line waits up to `reply_timeout` seconds for the bot's answer before the next line is read.
    """
    language_code = language_code or language_from_env()
    user = emu.user(user_id, name, language_code=language_code)
    interactive = bool(getattr(stdin, "isatty", lambda: False)())
    console = Console(user, stdout, save_dir, interactive, reply_timeout)
    console.say(
        f"Chatting with @{emu.state.bot_username} as {name} (language {language_code}). :help for help, :quit to leave."
    )
    printer = asyncio.create_task(console.print_replies(), name="console-replies")
    await asyncio.sleep(0)  # show what the bot already sent before the first line is read
    lines = _read_lines(stdin)
    try:
        while True:
            line = await lines.get()
            if line is None:
                break
            try:
                if not await console.handle(line):
                    break
            except (LookupError, ValueError) as error:
                console.say(f"   ({error})")
    finally:
        await console.close()
        printer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await printer
