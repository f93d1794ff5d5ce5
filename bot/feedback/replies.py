"""What the feedback feature says, in the delegate's language: pure functions of a Translator and the
event data. Session titles and comments are escaped; the buttons' data fits Telegram's 64 bytes."""

from __future__ import annotations

from bot.answers.format import session_name
from bot.answers.reply import Button, Reply, b, callback, esc
from bot.event.service import SessionView
from bot.i18n import Translator

# Callback kinds (registered by the feature: Feature.callbacks)
RATE = "fb"  # fb:<rating>:<session id>   (a long argument becomes a digest: see answers.reply.callback)
CHANGE = "fbc"  # fbc:<session id>
COMMENT = "fbm"  # fbm:<session id>


def stars(rating: int) -> str:
    return "★" * rating + "☆" * (5 - rating)


def rating_buttons(s: SessionView, current: int | None = None) -> tuple[tuple[Button, ...], ...]:
    return (tuple(
        Button(("✓ " if n == current else "") + f"{n} ⭐", callback(RATE, f"{n}:{s.id}")) for n in range(1, 6)
    ),)


def prompt(tr: Translator, s: SessionView, current: int | None = None) -> Reply:
    """The question after the session: five buttons, 1 (poor) to 5 (excellent)."""
    head = tr._("How was {title}?").format(title=session_name(tr, s))
    ask = tr._("Please rate it from 1 (poor) to 5 (excellent).")
    return Reply("⭐ " + b(head) + "\n" + esc(ask), rating_buttons(s, current))


def rated(tr: Translator, s: SessionView, rating: int, comment: str | None) -> Reply:
    """What the prompt becomes once rated: thanks, the rating, and ways to change it or to comment."""
    thanks = tr._("Thank you! You rated {title} {rating} out of 5.").format(title=session_name(tr, s), rating=rating)
    lines = [esc(thanks), stars(rating)]
    if comment:
        lines.append(esc(tr._("Your comment: {comment}").format(comment=_short(comment))))
    comment_label = tr._("Change my comment") if comment else tr._("Add a comment")
    buttons = ((Button("✏️ " + tr._("Change my rating"), callback(CHANGE, s.id)), Button("💬 " + comment_label, callback(COMMENT, s.id))),)
    return Reply("\n".join(lines), buttons)


def ask_comment(tr: Translator, s: SessionView, limit: int) -> Reply:
    text = tr._("Please write your comment on {title} in one message (at most {limit} characters). Send /cancel to skip.")
    return Reply("💬 " + esc(text.format(title=session_name(tr, s), limit=limit)))


def comment_saved(tr: Translator, s: SessionView, shortened: bool, limit: int) -> Reply:
    lines = [esc(tr._("Thank you, your comment on {title} is saved.").format(title=session_name(tr, s)))]
    if shortened:
        lines.append(esc(tr._("It was longer than {limit} characters, so I kept the beginning.").format(limit=limit)))
    return Reply("✅ " + "\n".join(lines))


def comment_cancelled(tr: Translator) -> Reply:
    return Reply(esc(tr._("All right, no comment.")))


def no_longer_valid(tr: Translator) -> str:
    return tr._("This button is no longer valid. Please use the menu or ask me again.")


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
