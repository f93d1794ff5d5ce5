"""Places near the venue (ATM, pharmacy, prayer room...): which kind a delegate means, and the
closest ones as venue pins, ordered by distance from the venue."""

from __future__ import annotations

from dataclasses import dataclass

from bot.answers.reply import Answer, Button, Reply, VenuePin, b, callback, esc, rows
from bot.event.geo import distance_m, walking_minutes
from bot.event.service import EventSnapshot, PlaceView, fold
from bot.i18n import Translator

PINS = 3  # venue messages per answer: the closest few, the rest as text
LISTED = 6


def N_(message: str) -> str:
    """Marks a message for extraction; translated where it is shown."""
    return message


CATEGORY_LABELS: dict[str, str] = {
    "atm": N_("ATMs"), "money_changer": N_("Money changers"), "pharmacy": N_("Pharmacies"),
    "clinic": N_("Clinics and doctors"), "prayer_room": N_("Prayer rooms"), "restaurant": N_("Restaurants"),
    "cafe": N_("Cafés"), "convenience_store": N_("Convenience stores"), "shopping": N_("Shopping"),
    "transit": N_("Public transport"), "other": N_("Other places"),
}

# How delegates name each kind of place, in the languages they ask in (folded: lower case, no accents).
# The event file may add words per place (`keywords`).
CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "atm": ("atm", "atms", "cash machine", "cashpoint", "cash", "withdraw", "anjungan tunai", "tarik tunai",
            "mesin atm", "bank", "tunai", "duit", "wang tunai", "mesin teller"),
    "money_changer": ("money changer", "money exchange", "currency exchange", "exchange money", "change money",
                      "forex", "bureau de change", "tukar uang", "penukaran uang", "penukaran valas", "valas",
                      "tukar duit", "tukar wang", "pengurup wang"),
    "pharmacy": ("pharmacy", "pharmacies", "chemist", "drugstore", "drug store", "medicine", "medicines",
                 "apotek", "apotik", "obat", "farmasi", "ubat", "kedai ubat"),
    "clinic": ("clinic", "doctor", "hospital", "first aid", "medical", "nurse", "klinik", "dokter", "rumah sakit",
               "rs", "p3k", "doktor", "hospital", "rawatan"),
    "prayer_room": ("prayer room", "prayer", "pray", "mosque", "masjid", "mushola", "musholla", "musala",
                    "mushalla", "musolla", "surau", "sholat", "shalat", "solat", "salat", "chapel", "church",
                    "gereja", "tempat ibadah", "ruang ibadah", "ibadah", "bilik solat"),
    "restaurant": ("restaurant", "restaurants", "food", "eat", "dinner place", "lunch place", "food court",
                   "restoran", "rumah makan", "tempat makan", "makan", "warung", "kedai makan", "medan selera"),
    "cafe": ("cafe", "coffee shop", "coffee", "kafe", "kedai kopi", "ngopi", "kopi"),
    "convenience_store": ("convenience store", "minimarket", "mini market", "supermarket", "shop", "store",
                          "indomaret", "alfamart", "toko", "kedai runcit", "kedai serbaneka", "7 eleven"),
    "shopping": ("shopping", "mall", "shopping centre", "shopping center", "souvenir", "souvenirs", "belanja",
                 "pusat perbelanjaan", "mal", "oleh oleh", "cenderamata", "beli belah"),
    "transit": ("mrt", "station", "busway", "transjakarta", "bus stop", "train", "stasiun", "halte", "stesen",
                "perhentian bas"),
}


@dataclass(frozen=True)
class Nearby:
    place: PlaceView
    metres: float


def closest(snap: EventSnapshot, category: str | None = None) -> list[Nearby]:
    v = snap.venue
    found = [Nearby(p, distance_m(v.latitude, v.longitude, p.latitude, p.longitude))
             for p in snap.places if category is None or p.category == category]
    return sorted(found, key=lambda n: (n.metres, n.place.id))


def category_in(text: str, snap: EventSnapshot) -> str | None:
    """The kind of place a message asks for, from the words people use or the event's own keywords."""
    folded = f" {fold(text)} "
    best: tuple[int, str] | None = None
    present = {p.category for p in snap.places}
    for category, words in _words(snap).items():
        for word in words:
            if f" {word} " in folded and (best is None or len(word) > best[0]):
                best = (len(word), category)
    if best is None:
        return None
    # "food" finds restaurants, but if the event lists none and has a café, a café is the better answer
    if best[1] not in present and best[1] == "restaurant" and "cafe" in present:
        return "cafe"
    return best[1]


def _words(snap: EventSnapshot) -> dict[str, list[str]]:
    words = {category: [fold(w) for w in ws] for category, ws in CATEGORY_WORDS.items()}
    for p in snap.places:
        extra = [w for values in p.keywords.values() for w in values] + list(p.name.values())
        words.setdefault(p.category, []).extend(fold(w) for w in extra if fold(w))
    return words


def category_buttons(tr: Translator, snap: EventSnapshot) -> tuple[tuple[Button, ...], ...]:
    present = list(dict.fromkeys(p.category for p in snap.places))
    ordered = [c for c in CATEGORY_LABELS if c in present]
    return rows([Button(tr._(CATEGORY_LABELS[c]), callback("nb", c)) for c in ordered], 2)


def nearby_answer(tr: Translator, snap: EventSnapshot, category: str | None) -> Answer:
    """The closest places (of one kind, or of any kind) as a list, then the closest few as venue pins."""
    venue = tr.pick(snap.venue.name)
    if not snap.places:
        text = tr._("I don't have a list of places near the venue. The helpdesk at the registration desk will gladly help.")
        return Answer.of(Reply(esc(text)), topic="ask_nearby")
    found = closest(snap, category)
    if not found:
        label = tr._(CATEGORY_LABELS.get(category or "other", CATEGORY_LABELS["other"]))
        text = tr._("I don't know of any place of this kind near {venue} ({kind}). Here is what I do know:").format(venue=venue, kind=label)
        return Answer.of(Reply(esc(text), category_buttons(tr, snap)), topic="ask_nearby")
    if category is None:
        header = tr._("Near {venue}, closest first:").format(venue=venue)
    else:
        header = tr._("{kind} near {venue}, closest first:").format(kind=tr._(CATEGORY_LABELS[category]), venue=venue)
    lines = [b(header)] + [_line(tr, i + 1, n, category is None) for i, n in enumerate(found[:LISTED])]
    pins = [Reply(venue=_pin(tr, n)) for n in found[:PINS]]
    keyboard = category_buttons(tr, snap) if category is None else ()
    return Answer.of(Reply("\n".join(lines), keyboard), *pins, topic=f"ask_nearby:{category or 'any'}")


def _line(tr: Translator, number: int, n: Nearby, with_kind: bool) -> str:
    walk = tr.ngettext("{minutes} minute on foot", "{minutes} minutes on foot", walking_minutes(n.metres)).format(minutes=walking_minutes(n.metres))
    kind = f" ({tr._(CATEGORY_LABELS.get(n.place.category, CATEGORY_LABELS['other']))})" if with_kind else ""
    line = f"{number}. {b(tr.pick(n.place.name))}{esc(kind)} · {esc(tr.distance(n.metres))}, {esc(walk)}"
    note = tr.pick(n.place.note)
    return line + (f"\n    {esc(note)}" if note else "")


def _pin(tr: Translator, n: Nearby) -> VenuePin:
    title = f"{tr.pick(n.place.name)} · {tr.distance(n.metres)}"
    address = tr.pick(n.place.address) or tr.pick(n.place.note) or tr.distance(n.metres)
    return VenuePin(n.place.latitude, n.place.longitude, title[:256], address[:256])
