"""Finding talks in a large programme by speaker, title or abstract words, track and room.

Each snapshot of the event gets an in-memory SQLite FTS5 index (porter stemming, diacritics
removed), ranked by FTS5's BM25 with title and speakers weighing most. It is rebuilt whenever the
programme changes, so a talk imported a minute ago is found at once, without retraining the NLU,
and the ranking is the same whichever database (SQLite or PostgreSQL) holds the event. Typos are
mended before the query reaches FTS5: a word the programme does not contain is replaced by the
closest word of its names, titles, tracks and rooms (RapidFuzz), so "Sruti Chandran" finds Sruthi.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.event.service import EventSnapshot, RoomView, SessionView, SpeakerView, TrackView, fold

# Words of a question that say what is asked, not what about (English, Indonesian, Malay).
STOP = frozenset("""
a an the of in on at to for about any anything something some is are was be will does do did can could would
when what whats where who whom which whose how there here tell me show find give list i want like please you
talk talks speak speaks speaking speaker speakers session sessions track tracks room rooms hall stage lecture
presentation presenting present presents programme program agenda schedule time times happening going held
today tomorrow morning afternoon evening night tonight now next later day days this that these those and or by
from with s it its my his her their we our us on topic topics
kapan apa apakah ada siapa dimana di mana yang tentang soal mengenai sesi jalur trek ruang ruangan bicara
berbicara pembicara tampil presentasi jam berapa hari ini besok pagi siang sore malam dan atau untuk dengan
dari ke saya mau cari tolong acara topik materi nanti sekarang bahas membahas dong nya esok petang bila pukul
akan bisa boleh adakah tunjukkan carikan info informasi saja semua daftar lihat sesinya pembicaranya jadwal
first second third fourth fifth last final pertama kedua ketiga keempat kelima terakhir
monday tuesday wednesday thursday friday saturday sunday senin selasa rabu kamis jumat sabtu minggu isnin khamis jumaat ahad
""".split())  # noqa: SIM905 (a list of 200 words reads better as text)
PARTS_OF_DAY = {
    "morning": (0, 12), "pagi": (0, 12), "afternoon": (12, 17), "siang": (11, 15), "sore": (15, 18),
    "petang": (14, 19), "evening": (17, 24), "night": (18, 24), "tonight": (17, 24), "malam": (18, 24),
}
WEIGHTS = (10.0, 8.0, 5.0, 3.0, 1.0)  # title, speakers, track, room, body
TYPO_CUTOFF = 80  # RapidFuzz ratio (0-100) for a word to stand for another


def words(text: str) -> list[str]:
    return [w for w in fold(text).split() if len(w) > 1 or w.isdigit()]


@dataclass(frozen=True)
class Query:
    """What a question asks about: the words to search (typos mended) and the part of the day."""

    terms: tuple[str, ...]  # a mended word may stand for several: "novak|nowak"
    hours: tuple[int, int] | None = None

    @property
    def text(self) -> str:
        return " ".join(t.split("|")[0] for t in self.terms)

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(w for t in self.terms for w in t.split("|"))


@dataclass(frozen=True)
class Found:
    sessions: tuple[SessionView, ...]  # this page, best first
    total: int
    query: Query


class ProgrammeIndex:
    """The search index of one snapshot (or of the public view of one)."""

    def __init__(self, snap: EventSnapshot) -> None:
        self.snap = snap
        self.sessions = [s for s in snap.sessions if not s.cancelled]
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        tokenizer = "porter unicode61 remove_diacritics 2"
        self._db.execute(f"CREATE VIRTUAL TABLE doc USING fts5(title, speakers, track, room, body, tokenize='{tokenizer}')")
        self._db.execute("CREATE VIRTUAL TABLE person USING fts5(name, tokenize='unicode61 remove_diacritics 2')")
        vocabulary: set[str] = set()
        rows = []
        for i, s in enumerate(self.sessions):
            speakers = [snap.speakers[sid] for sid in s.speaker_ids if sid in snap.speakers]
            fields = (
                _joined(s.title.values(), (s.label or {}).values(), s.subtitle.values()),
                _joined(*([sp.name, *sp.aliases] for sp in speakers)),
                _joined(s.track.name.values() if s.track else ()),
                _joined(s.room.name.values() if s.room else ()),
                _joined(s.description.values(), *s.topics.values()),
            )
            rows.append((i, *fields))
            for value in fields[:4]:
                vocabulary.update(words(value))
        self._db.executemany("INSERT INTO doc(rowid, title, speakers, track, room, body) VALUES (?, ?, ?, ?, ?, ?)", rows)
        self.speakers = [sp for sp in snap.speakers.values() if sp.session_ids]
        self._db.executemany("INSERT INTO person(rowid, name) VALUES (?, ?)",
                             [(i, _joined([sp.name, *sp.aliases])) for i, sp in enumerate(self.speakers)])
        self.vocabulary = sorted(vocabulary)
        self._known = set(vocabulary)

    # --- understanding the question ---------------------------------------------------------------
    def query(self, text: str) -> Query:
        """The question's searchable words, each mended to a word of the programme when misspelt."""
        found = words(text)
        hours = next((PARTS_OF_DAY[w] for w in found if w in PARTS_OF_DAY), None)
        terms: list[str] = []
        for word in found:
            if word in STOP or word in PARTS_OF_DAY or (word.isdigit() and len(word) <= 2):  # "day 2" is resolve_day's
                continue
            terms.append(self._mend(word))
        return Query(tuple(dict.fromkeys(terms)), hours)

    def _mend(self, word: str) -> str:
        if word in self._known or len(word) < 4 or word.isdigit():
            return word
        if self._stem_in_body(word):
            return word
        close = process.extract(word, self.vocabulary, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF, limit=3)
        if not close:
            return word
        best = close[0][1]
        return "|".join(w for w, score, _ in close if score >= best - 3)  # a tie ("noak": novak, nowak) keeps both

    def _stem_in_body(self, word: str) -> bool:
        row = self._db.execute("SELECT 1 FROM doc WHERE doc MATCH ? LIMIT 1", (_phrase(word),)).fetchone()
        return row is not None

    # --- answering ----------------------------------------------------------------------------------
    def search(self, query: Query, *, day_id: str | None = None, offset: int = 0, limit: int = 5) -> Found:
        """Sessions matching all the words (else any of them), best first, on `day_id` and in the
        query's part of the day when given."""
        if not query.terms:
            return Found((), 0, query)
        ranked = self._ranked(" AND ".join(_phrase(t) for t in query.terms))
        if not ranked and len(query.terms) > 1:
            ranked = self._ranked(" OR ".join(_phrase(t) for t in query.terms))
        sessions = [self.sessions[i] for i in ranked]
        if day_id is not None:
            sessions = [s for s in sessions if s.day_id == day_id]
        if query.hours is not None:
            low, high = query.hours
            sessions = [s for s in sessions if low <= s.starts_at.astimezone(self.snap.zone).hour < high]
        return Found(tuple(sessions[offset : offset + limit]), len(sessions), query)

    def _ranked(self, match: str) -> list[int]:
        try:
            cursor = self._db.execute(f"SELECT rowid FROM doc WHERE doc MATCH ? ORDER BY bm25(doc, {', '.join(map(str, WEIGHTS))})", (match,))
        except sqlite3.OperationalError:
            return []
        return [row[0] for row in cursor]

    def speaker(self, query: Query) -> SpeakerView | None:
        """The one speaker the question names (every word of a name, or a surname only one has)."""
        if not query.terms:
            return None
        match = " OR ".join(_phrase(t) for t in query.words)
        try:
            ids = [row[0] for row in self._db.execute("SELECT rowid FROM person WHERE person MATCH ? ORDER BY rank LIMIT 5", (match,))]
        except sqlite3.OperationalError:
            return None
        named = [self.speakers[i] for i in ids if _names(self.speakers[i], query.words) >= 2]
        if len(named) == 1:
            return named[0]
        if not named and len(ids) == 1 and _names(self.speakers[ids[0]], query.words) == 1:
            return self.speakers[ids[0]]  # a surname only one speaker has
        return None

    def room(self, text: str) -> RoomView | None:
        """The room a question names ("what's on in Saal 1", "ruang Anamudi")."""
        folded = f" {fold(text)} "
        found = [r for r in self.snap.rooms.values() for name in r.name.values() if f" {fold(name)} " in folded and fold(name)]
        return max(found, key=lambda r: max(len(n) for n in r.name.values())) if found else None

    def track(self, text: str) -> TrackView | None:
        folded = f" {fold(text)} "
        found = [t for t in self.snap.tracks.values() for name in t.name.values() if fold(name) and f" {fold(name)} " in folded]
        return found[0] if found else None


def _names(speaker: SpeakerView, terms: tuple[str, ...]) -> int:
    """How many words of the speaker's name (or of an alias) the terms name, typos allowed; a
    one-word name counts 2 when named, like a first name and surname."""
    best = 0
    for name in (speaker.name, *speaker.aliases):
        parts = words(name)
        hits = sum(1 for w in parts if any(t == w or (len(t) >= 4 and w.startswith(t)) or fuzz.ratio(t, w) >= TYPO_CUTOFF for t in terms))
        best = max(best, 2 if hits and len(parts) == 1 else hits)
    return best


def _joined(*groups: Iterable[str]) -> str:
    """Folded as the questions are ("Weiß" is "weiss", "Dvořák" is "dvorak"), one value a line."""
    return "\n".join(fold(value) for group in groups for value in group if value)


def _phrase(term: str) -> str:
    """A query term as an FTS5 string (quoted: no operator or column filter can be injected), with a
    prefix match for longer words ("databas" finds "databases", "kube" finds "kubernetes");
    alternatives ("novak|nowak") become an OR group."""
    if "|" in term:
        return "(" + " OR ".join(_phrase(t) for t in term.split("|") if t) + ")"
    quoted = '"' + term.replace('"', '""') + '"'
    return quoted + ("*" if len(term) >= 4 and not term.isdigit() else "")


class SearchIndexes:
    """The index of the current snapshot (and of its public view), rebuilt when the programme changes,
    off the event loop."""

    def __init__(self) -> None:
        self._indexes: dict[tuple[str, bool], ProgrammeIndex] = {}
        self._lock = asyncio.Lock()

    async def of(self, snap: EventSnapshot) -> ProgrammeIndex:
        key = (snap.version, snap.verified)
        index = self._indexes.get(key)
        if index is None:
            async with self._lock:
                index = self._indexes.get(key)
                if index is None:
                    index = await asyncio.to_thread(ProgrammeIndex, snap)
                    self._indexes = {k: v for k, v in self._indexes.items() if k[0] == snap.version}
                    self._indexes[key] = index
        return index
