"""Browsing a large programme: a day, then a track or a room, then its sessions a page at a time,
each step one message edited in place (FOSDEM's 450 talks a day are never 450 lines or buttons).

Callback data stays within 64 bytes: days, tracks and rooms are named by their position in the
snapshot ("bg:2:t:14:10" is day 2, track 14, from the 11th session). A position that no longer
names anything (the programme changed meanwhile) is refused by the handler, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.answers.format import day_title, session_button, session_line
from bot.answers.reply import Button, Reply, b, esc, rows
from bot.event.service import DayView, EventSnapshot, RoomView, SessionView, TrackView, sessions_on
from bot.i18n import Translator

DAY_LIST_LIMIT = 25  # a day with more sessions than this is browsed, not listed
PAGE = 8
GROUPS_PAGE = 12
BROWSE_DAY, BROWSE_GROUP = "bd", "bg"  # callback kinds: bd:<day>:<t|r>[:<page>], bg:<day>:<t|r>:<group>:<offset>


@dataclass(frozen=True)
class Group:
    index: int  # position among the snapshot's tracks or rooms; -1: sessions without one
    name: str
    sessions: tuple[SessionView, ...]


def groups(tr: Translator, snap: EventSnapshot, day: DayView, by: str) -> list[Group]:
    """The day's tracks ("t") or rooms ("r") that have sessions, in the programme's order."""
    sessions = [s for s in sessions_on(snap, day.id) if s.kind != "break"]
    keyed: list[TrackView | RoomView] = [*snap.tracks.values()] if by == "t" else [*snap.rooms.values()]
    found = []
    for i, item in enumerate(keyed):
        mine = tuple(s for s in sessions if (s.track if by == "t" else s.room) is not None
                     and (s.track if by == "t" else s.room).id == item.id)  # type: ignore[union-attr]
        if mine:
            found.append(Group(i, tr.pick(item.name), mine))
    rest = tuple(s for s in sessions if (s.track if by == "t" else s.room) is None)
    if rest:
        found.append(Group(-1, tr._("Other"), rest))
    return found


def day_choice(tr: Translator, snap: EventSnapshot, day: DayView) -> Reply:
    """The first step for a big day: how many sessions, and browse them by track or by room."""
    count = len(sessions_on(snap, day.id))
    lines = [b(day_title(tr, day)), esc(tr.ngettext("{count} session.", "{count} sessions.", count).format(count=count)),
             esc(tr._("Browse them by track or by room, or ask me about a topic or a speaker."))]
    buttons = []
    if snap.tracks:
        buttons.append(Button("🏷 " + tr._("By track"), f"{BROWSE_DAY}:{day.index}:t"))
    buttons.append(Button("🚪 " + tr._("By room"), f"{BROWSE_DAY}:{day.index}:r"))
    others = [Button(tr.pick(d.label), f"day:{d.id}") for d in snap.days if d.id != day.id]
    return Reply("\n".join(lines), rows(buttons) + rows(others, 3))


def group_choice(tr: Translator, snap: EventSnapshot, day: DayView, by: str, page: int = 0) -> Reply:
    found = groups(tr, snap, day, by)
    shown = found[page * GROUPS_PAGE : (page + 1) * GROUPS_PAGE]
    title = tr._("Tracks on {day}") if by == "t" else tr._("Rooms on {day}")
    lines = [b(title.format(day=day_title(tr, day)))]
    buttons = [Button(f"{g.name[:48]} ({len(g.sessions)})", f"{BROWSE_GROUP}:{day.index}:{by}:{g.index}:0") for g in shown]
    nav = []
    if page > 0:
        nav.append(Button("⬅️ " + tr._("Back"), f"{BROWSE_DAY}:{day.index}:{by}:{page - 1}"))
    if (page + 1) * GROUPS_PAGE < len(found):
        nav.append(Button(tr._("More") + " ➡️", f"{BROWSE_DAY}:{day.index}:{by}:{page + 1}"))
    nav.append(Button("📅 " + tr.pick(day.label), f"day:{day.id}"))
    return Reply("\n".join(lines), rows(buttons, 1) + (tuple(nav),))


def group_sessions(tr: Translator, snap: EventSnapshot, day: DayView, by: str, index: int, offset: int) -> Reply | None:
    group = next((g for g in groups(tr, snap, day, by) if g.index == index), None)
    if group is None:
        return None
    shown = group.sessions[offset : offset + PAGE]
    head = f"{b(group.name)} · {esc(day_title(tr, day))}"
    position = esc(tr._("{first}–{last} of {total}").format(first=offset + 1, last=offset + len(shown), total=len(group.sessions)))
    lines = [head, position] + [session_line(tr, s) for s in shown]
    nav = []
    if offset > 0:
        nav.append(Button("⬅️ " + tr._("Back"), f"{BROWSE_GROUP}:{day.index}:{by}:{index}:{max(0, offset - PAGE)}"))
    if offset + PAGE < len(group.sessions):
        nav.append(Button(tr._("More") + " ➡️", f"{BROWSE_GROUP}:{day.index}:{by}:{index}:{offset + PAGE}"))
    nav.append(Button("🗂 " + (tr._("Tracks") if by == "t" else tr._("Rooms")), f"{BROWSE_DAY}:{day.index}:{by}"))
    return Reply("\n".join(lines), rows([session_button(tr, s) for s in shown], 1) + (tuple(nav),))
