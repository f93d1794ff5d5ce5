"""Follow-up questions, resolved against the last answers: "and tomorrow?", "where is it?",
"who speaks there?", "kalau besok?", "siapa pembicaranya?".

A delegate who just got the details of a session, of a speaker or of a day does not repeat what
they mean. The model reads "where is it?" as a venue question and "and tomorrow?" as the agenda;
here such a question, when it names nothing new, is rewritten against the most recent answer of
the conversation (the turns kept in the database, at most CONTEXT_TURNS and FOLLOW_UP_MINUTES old)
that it can refer to. Pure functions on words: no Telegram, no Rasa, no database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.answers.service import Question
from nlu.text import words

FOLLOW_UP_MINUTES = 30


def _words(listed: str) -> frozenset[str]:
    return frozenset(listed.split())


FILLERS = _words("""
    and what what's whats about how how's for then so ok okay also the a on in at of is are was does do will
    can could please any one that's there's again
    kalau kalo klo kl bagaimana gimana gmn dengan terus trus lalu untuk utk yang yg jadi nah dan bila pula
    juga sih ya apa apakah ada di ke dong kak min tolong mau tanya berapa brp
    kat bagaimanakah macam pula pun
""")
DAY_WORDS = _words("""
    today tonight tomorrow tmrw tmr yesterday morning afternoon evening day days first second third last next
    week weekend monday tuesday wednesday thursday friday saturday sunday
    hari hr ini besok bsk besuk esok lusa kemarin pagi siang sore malam pertama kedua ketiga terakhir
    senin selasa rabu kamis jumat sabtu minggu ni petang isnin khamis jumaat
""")
WHERE = _words("where whereabouts room place location venue hall mana dimana ruang ruangan tempat lokasi")
WHEN = _words("when time start starts begin begins end ends kapan jam pukul mulai selesai waktu")
WHO = _words("who who's whos whom speaks speaking speak talks talking speaker speakers presents presenting siapa pembicara "
             "bicara narasumber panelis penceramah")
REFERENCES = _words("it its there that this them they she he her him itu sana situ tersebut ini dia beliau")
SESSION_TOPICS = ("session", "speakers")
"""Answer topics about one session: its details, its speakers."""
DAY_INTENTS = {"ask_agenda": "ask_agenda", "ask_now_next": "ask_agenda", "ask_meals": "ask_meals"}


@dataclass(frozen=True)
class Turn:
    """A recent exchange: what was asked (intent) and what was answered (topic: "session:<id>",
    "speaker:<id>", "agenda:<day id>", an intent name...)."""

    intent: str | None
    topic: str | None


def _plain(word: str) -> str:
    """"pembicaranya" -> "pembicara": the -nya of Indonesian and Malay refers back, like "its"."""
    return word[:-3] if word.endswith("nya") and len(word) > 5 else word


def _refers_back(text: str) -> bool:
    return any(w in REFERENCES or (w.endswith("nya") and len(w) > 5) for w in words(text))


def resolve(question: Question, recent: Sequence[Turn]) -> Question | None:
    """The question rewritten against the answer it follows up on, or None when it stands alone.

    `recent`: the conversation's latest turns, newest first.
    """
    if question.entities.get("topic") or question.entities.get("speaker"):
        return None  # it names what it is about
    content = [_plain(w) for w in words(question.text) if w not in FILLERS]
    if not content:
        return None
    if all(w in DAY_WORDS or w.isdigit() for w in content):
        return _another_day(question, recent)
    if all(w in WHERE | WHEN | WHO | REFERENCES for w in content) and (_refers_back(question.text) or len(content) <= 1):
        return _same_subject(question, recent, asks_who=any(w in WHO for w in content))
    return None


def _another_day(question: Question, recent: Sequence[Turn]) -> Question | None:
    """"and tomorrow?": the last agenda, meals or session question, asked for another day."""
    day = question.entity("day") or question.text
    for turn in recent:
        kind, _, ident = (turn.topic or "").partition(":")
        if kind in SESSION_TOPICS and ident:
            return replace(question, intent="ask_session", entities={"topic": [ident], "day": [day]})
        if kind == "agenda":
            return replace(question, intent="ask_agenda", entities={"day": [day]})
        if turn.intent in DAY_INTENTS:
            return replace(question, intent=DAY_INTENTS[turn.intent], entities={"day": [day]})
        if _substantial(turn):
            return None  # the last real answer was about something else
    return None


def _same_subject(question: Question, recent: Sequence[Turn], asks_who: bool) -> Question | None:
    """"where is it?", "who speaks there?": the session or speaker of the last answer about one."""
    for turn in recent:
        kind, _, ident = (turn.topic or "").partition(":")
        if kind in SESSION_TOPICS and ident:
            intent = "ask_speakers" if asks_who else "ask_session"
            return replace(question, intent=intent, entities={"topic": [ident]})
        if kind == "speaker" and ident:
            return replace(question, intent="ask_speaker", entities={"speaker": [ident]})
        if _substantial(turn):
            return None
    return None


def _substantial(turn: Turn) -> bool:
    """A turn that answered something (not a greeting, a thank-you or a handoff)."""
    return turn.intent not in (None, "greet", "thank", "goodbye", "nlu_fallback", "out_of_scope", "human_handoff")
