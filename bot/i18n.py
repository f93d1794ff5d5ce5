"""Languages: gettext catalogs for the interface, Babel for dates and times, event-text picking.

Translatable strings are never f-strings: `tr._("Starts at {time}").format(time=...)`, so the
catalogs hold the template and translators can move the placeholder.
"""

from __future__ import annotations

import gettext
import io
import logging
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time, format_timedelta
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.units import format_unit

from bot.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

LOCALES_DIR = PROJECT_ROOT / "locales"
DOMAIN = "messages"
DEFAULT_LANGUAGE = "en"
# UI languages, in the order /language offers them.
UI_LANGUAGES: tuple[str, ...] = ("en", "id", "ms", "vi", "th", "zh_Hans", "ja", "ko")
LANGUAGE_NAMES: dict[str, str] = {
    "en": "English", "id": "Bahasa Indonesia", "ms": "Bahasa Melayu", "vi": "Tiếng Việt",
    "th": "ไทย", "zh_Hans": "简体中文", "ja": "日本語", "ko": "한국어",
}
_ALIASES = {"in": "id", "zh": "zh_Hans", "zh_cn": "zh_Hans", "zh_sg": "zh_Hans", "zh_hans": "zh_Hans", "jp": "ja", "kr": "ko"}


def normalise_language(code: str | None, available: Iterable[str] = UI_LANGUAGES) -> str | None:
    """Maps a Telegram language_code (en-GB, zh-hans, ms-MY, in) to one of the UI languages."""
    if not code:
        return None
    options = {lang.lower(): lang for lang in available}
    raw = code.strip().replace("-", "_").lower()
    for candidate in (raw, _ALIASES.get(raw), raw.split("_")[0], _ALIASES.get(raw.split("_")[0])):
        if candidate and candidate.lower() in options:
            return options[candidate.lower()]
    return None


def ui_languages_of(event_languages: Iterable[str]) -> list[str]:
    """The event's languages that have an interface catalog, in UI_LANGUAGES order; all the event's
    languages, as listed, when none of them has one."""
    offered = list(event_languages)
    return [lang for lang in UI_LANGUAGES if lang in offered] or offered


@cache
def _catalog(language: str) -> gettext.NullTranslations:
    """The compiled catalog; compiled here in memory when `make` has not (yet) compiled the .po, so a
    delegate never silently gets English because a build step was skipped."""
    po = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo = po.with_suffix(".mo")
    if po.exists() and (not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime):
        log.warning("catalog %s is not compiled or is stale: compiling it in memory (run `make catalogs`)", language)
        with po.open("rb") as source:
            catalog = read_po(source, locale=language)
        compiled = io.BytesIO()
        write_mo(compiled, catalog, use_fuzzy=False)
        compiled.seek(0)
        return gettext.GNUTranslations(compiled)
    return gettext.translation(DOMAIN, localedir=str(LOCALES_DIR), languages=[language], fallback=True)


def pick(text: Mapping[str, str] | None, language: str, default: str = DEFAULT_LANGUAGE) -> str:
    """The event text in `language`, else in the event's default language, else any."""
    if not text:
        return ""
    for candidate in (language, language.split("_")[0], default):
        if text.get(candidate):
            return text[candidate]
    return next(iter(text.values()), "")


DayOrInstant = date | datetime  # named outside Translator, whose methods `date` and `datetime` shadow the types

class Translator:
    """Everything a reply needs to speak one language: messages, dates, times, lists."""

    def __init__(self, language: str, timezone: str = "UTC", default_language: str = DEFAULT_LANGUAGE) -> None:
        self.language = language
        self.default_language = default_language
        self.zone = ZoneInfo(timezone)
        self.locale = Locale.parse(language)
        self._gettext = _catalog(language)

    def _(self, message: str) -> str:
        return self._gettext.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._gettext.ngettext(singular, plural, n)

    def pick(self, text: Mapping[str, str] | None) -> str:
        return pick(text, self.language, self.default_language)

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.zone)

    def time(self, instant: datetime) -> str:
        return format_time(instant, format="short", tzinfo=self.zone, locale=self.locale)

    def time_range(self, start: datetime, end: datetime) -> str:
        return f"{self.time(start)}–{self.time(end)}"

    def date(self, day: DayOrInstant, format: str = "full") -> str:
        if isinstance(day, datetime):
            day = self.local(day).date()
        return format_date(day, format=format, locale=self.locale)

    def day_short(self, day: DayOrInstant) -> str:
        """'Tue, 10 Sep' style, as the locale writes it."""
        if isinstance(day, datetime):
            day = self.local(day).date()
        return format_date(day, format="EEE, d MMM", locale=self.locale) if self.language == "en" else format_date(day, format="medium", locale=self.locale)

    def datetime(self, instant: datetime, format: str = "medium") -> str:
        return format_datetime(instant, format=format, tzinfo=self.zone, locale=self.locale)

    def duration(self, delta: timedelta) -> str:
        return format_timedelta(delta, threshold=1.1, format="long", locale=self.locale)

    def distance(self, metres: float) -> str:
        """'150 m' or '1.2 km' as the locale writes units (Babel/CLDR)."""
        if metres < 950:
            return format_unit(max(10, round(metres, -1)), "length-meter", length="short", locale=self.locale)
        return format_unit(round(metres / 1000, 1), "length-kilometer", length="short", locale=self.locale)

    def join(self, items: list[str]) -> str:
        return format_list(items, locale=self.locale) if items else ""

    def zone_name(self) -> str:
        """The zone's abbreviation at the event (e.g. WIB is not in CLDR; use the UTC offset)."""
        offset = datetime.now(self.zone).utcoffset() or timedelta(0)
        hours, minutes = divmod(int(offset.total_seconds()) // 60, 60)
        return f"UTC{'+' if offset >= timedelta(0) else '-'}{abs(hours)}" + (f":{minutes:02d}" if minutes else "")
