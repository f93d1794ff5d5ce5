"""Replies stored in outbox rows: rendered (in the recipient's language) when queued, sent later.

An `Edit` is a Reply that replaces the text and buttons of a message the bot sent earlier (a
moderator's card once another moderator decided): queued and paced like any other message.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from bot.answers.reply import Button, Document, Media, Reply, VenuePin


@dataclass(frozen=True)
class Edit(Reply):
    """Text and buttons that replace those of message `message_id` in the row's chat."""

    message_id: int = 0


def dump(replies: list[Reply] | tuple[Reply, ...]) -> list[dict[str, Any]]:
    out = []
    for r in replies:
        item: dict[str, Any] = {"text": r.text}
        if isinstance(r, Edit):
            item["edit"] = r.message_id
        if r.buttons:
            item["buttons"] = [[{"text": b.text, "data": b.data, "url": b.url, **({"web_app": b.web_app} if b.web_app else {})} for b in row]
                               for row in r.buttons]
        if r.venue:
            item["venue"] = vars(r.venue).copy()
        if r.document:
            item["document"] = {
                "filename": r.document.filename, "mime_type": r.document.mime_type, "caption": r.document.caption,
                "content": base64.b64encode(r.document.content).decode("ascii"),
            }
        if r.media:
            item["media"] = {"kind": r.media.kind, "file_id": r.media.file_id, "caption": r.media.caption}
        out.append(item)
    return out


def load(items: list[dict[str, Any]]) -> list[Reply]:
    replies: list[Reply] = []
    for item in items:
        buttons = tuple(tuple(Button(b["text"], b.get("data"), b.get("url"), b.get("web_app")) for b in row) for row in item.get("buttons", []))
        venue = VenuePin(**item["venue"]) if item.get("venue") else None
        doc = item.get("document")
        document = Document(doc["filename"], base64.b64decode(doc["content"]), doc.get("mime_type", "application/octet-stream"), doc.get("caption", "")) if doc else None
        media = Media(**item["media"]) if item.get("media") else None
        if "edit" in item:
            replies.append(Edit(item.get("text", ""), buttons, message_id=int(item["edit"])))
            continue
        replies.append(Reply(item.get("text", ""), buttons, venue, document, media))
    return replies
