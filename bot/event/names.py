"""The words of the event's own names: rooms, speakers, tracks, places, delegations, exhibitors.

The NLU model's domain check counts words it never saw in training as a sign of an off-topic
question (nlu/domain.py). A programme imported or synced after training brings names the model has
never seen, and a delegate who asks "what's on in r3s - Monheim/Rhein now?" uses them. These words
are the event's, so they are not a sign of anything: the conversation judges the parse again with
them (nlu.types.Parse.judged_with). Only names count, not titles or descriptions: a programme of
900 talks uses most everyday words, and "play some music" must stay off-topic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from bot.event.service import EventSnapshot
from nlu.text import stem, words

_cache: dict[tuple[str, str], frozenset[str]] = {}


def name_words(snap: EventSnapshot) -> frozenset[str]:
    """The words (and their crude stems) of every name in the event, computed once per version."""
    key = (snap.id, snap.version)
    found = _cache.get(key)
    if found is None:
        found = frozenset(_words(_names(snap)))
        _cache.clear()  # one version at a time: the previous one is stale
        _cache[key] = found
    return found


def is_event_word(snap: EventSnapshot) -> Callable[[str], bool]:
    """A word of the event's names, as written or by its stem (\"Monheim\", \"speakers\")."""
    known = name_words(snap)
    return lambda word: word in known or stem(word) in known


def _names(snap: EventSnapshot) -> Iterable[str]:
    for room in snap.rooms.values():
        yield from room.name.values()
    for track in snap.tracks.values():
        yield from track.name.values()
    for speaker in snap.speakers.values():
        yield speaker.name
        yield from speaker.aliases
    for place in snap.places:
        yield from place.name.values()
    for _id, name, _group in snap.delegations:
        yield from name.values()
    for _id, exhibitor, _description, _booth in snap.exhibitors:
        yield exhibitor
    yield from snap.venue.name.values()
    for session in snap.sessions:
        if session.room is not None:
            yield from session.room.name.values()


def _words(texts: Iterable[str]) -> Iterable[str]:
    for text in texts:
        for word in words(text):
            yield word
            yield stem(word)
