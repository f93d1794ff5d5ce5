"""Splitting long texts into Telegram-sized messages at line, then sentence, then word boundaries."""

from __future__ import annotations

import re

TELEGRAM_MAX = 4096


def split_message(text: str, limit: int = TELEGRAM_MAX) -> list[str]:
    """Parts of at most `limit` characters; an HTML tag is never cut (tags stay within a line)."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        pieces = [line] if len(line) <= limit else _split_long(line, limit)
        for piece in pieces:
            candidate = f"{current}\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                if current.strip():
                    parts.append(current)
                current = piece
    if current.strip():
        parts.append(current)
    return parts


def _split_long(line: str, limit: int) -> list[str]:
    chunks: list[str] = []
    rest = line
    while len(rest) > limit:
        window = rest[:limit]
        cut = max((m.end() for m in re.finditer(r"[.!?。！？]\s", window)), default=0)
        if cut < limit // 2:
            cut = window.rfind(" ") + 1
        if cut < limit // 2:
            cut = limit
            while cut > limit - 8 and "&" in rest[cut - 8 : cut] and ";" not in rest[rest.rfind("&", 0, cut) : cut]:
                cut -= 1  # never cut an HTML entity such as &amp; in half
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks
