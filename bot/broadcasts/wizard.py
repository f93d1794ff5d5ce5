"""The broadcast wizard: the steps from "new announcement" to "send", as a service that knows nothing
of Telegram. The /broadcast conversation (bot/broadcasts/handlers.py) walks it one message or button
at a time; the organisers' console (bot/broadcasts/web.py) fills it in one form and shares its
preview and its release.

Every transition names the draft and the step it expects, and the draft and its step live in the
database (BroadcastService), so a stale or forged button, a second replica or a restart changes
nothing. A transition that does not apply returns None: the caller says "no longer valid".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.answers.reply import Reply
from bot.broadcasts.service import (
    Attachment,
    Audience,
    AudienceSize,
    BroadcastService,
    BroadcastView,
    Released,
    render_broadcast,
)
from bot.broadcasts.when import WhenError, parse_send_time
from bot.event.service import EventService, EventSnapshot, SessionView
from bot.i18n import Translator

# What the organiser is asked next (Step.kind).
ASK_TEXT = "ask_text"
ASK_TEXT_AFTER_ATTACHMENT = "ask_text_after_attachment"
ASK_AUDIENCE = "ask_audience"
CHOOSE_LANGUAGE, CHOOSE_DELEGATION, CHOOSE_SESSION = "choose_lang", "choose_country", "choose_session"
TRANSLATIONS = "translations"
ASK_TRANSLATION = "ask_translation"
ASK_WHEN = "ask_when"
ASK_TIME = "ask_time"
TIME_REFUSED = "time_refused"
PREVIEW = "preview"
DISCARDED = "discarded"
# Draft steps that wait for something typed (besides "translation:<language>").
INPUT_STEPS = ("text", "time")


@dataclass(frozen=True)
class Step:
    """The next thing to show: `kind` says what, the rest is what it needs."""

    kind: str
    draft: BroadcastView
    languages: tuple[str, ...] = ()  # TRANSLATIONS: the default language first, then those worth a translation
    language: str | None = None  # ASK_TRANSLATION: the language asked for
    has_sessions: bool = False  # ASK_AUDIENCE: offer "subscribers of a session"
    refusal: str | None = None  # TIME_REFUSED: WhenError.code ("past", "unreadable", ...)


@dataclass(frozen=True)
class Variant:
    """One version of the announcement: the languages that read it, how many delegates, and the
    messages exactly as they will get them. `translated` is False for the group that gets the
    default language's text because theirs has none."""

    languages: tuple[str, ...]
    count: int
    translated: bool
    replies: tuple[Reply, ...]


@dataclass(frozen=True)
class Preview:
    size: AudienceSize
    variants: tuple[Variant, ...]


def session_choices(snap: EventSnapshot) -> list[SessionView]:
    """The sessions whose subscribers may be an audience (not the cancelled ones)."""
    return [s for s in snap.sessions if not s.cancelled]


class BroadcastWizard:
    def __init__(self, service: BroadcastService, events: EventService, now: Callable[[], datetime]) -> None:
        self.service = service
        self.events = events
        self.now = now

    @property
    def languages(self) -> tuple[str, ...]:
        return self.service.languages

    # --- the conversation ---------------------------------------------------------------------
    async def start(self, user_id: int, chat_id: int) -> Step:
        """A new draft (an unfinished earlier one is discarded): ask for its text."""
        return Step(ASK_TEXT, await self.service.start_draft(user_id, chat_id))

    async def waiting_for_input(self, user_id: int, chat_id: int) -> BroadcastView | None:
        """The organiser's draft in this chat, when it waits for something typed (text, a
        translation, a time); None lets the message go on to the question answering."""
        draft = await self.service.open_draft(user_id)
        if draft is None or draft.chat_id != chat_id:
            return None
        step = draft.step or ""
        return draft if step in INPUT_STEPS or step.startswith("translation:") else None

    async def take_input(self, draft: BroadcastView, text: str, attachment: Attachment | None = None) -> Step | None:
        """Something typed for a draft waiting for input (see `waiting_for_input`)."""
        if draft.step == "text":
            return await self._take_text(draft, text, attachment)
        if draft.step == "time":
            return await self._take_time(draft, text)
        if (draft.step or "").startswith("translation:"):
            return await self._take_translation(draft, text)
        return None

    async def _take_text(self, draft: BroadcastView, text: str, attachment: Attachment | None) -> Step | None:
        snap = await self.events.snapshot()
        owner = draft.created_by or 0
        attachment = attachment or draft.attachment
        if not text.strip():
            updated = await self.service.update_draft(draft.id, owner, expect=["text"], attachment=attachment)
            return Step(ASK_TEXT_AFTER_ATTACHMENT, updated) if updated else None
        updated = await self.service.update_draft(
            draft.id, owner, expect=["text"], attachment=attachment, texts={snap.default_language: text.strip()}, step="audience",
        )
        return Step(ASK_AUDIENCE, updated, has_sessions=bool(session_choices(snap))) if updated else None

    async def _take_translation(self, draft: BroadcastView, text: str) -> Step | None:
        language = (draft.step or "").partition(":")[2]
        if not text.strip():
            return Step(ASK_TRANSLATION, draft, language=language)
        updated = await self.service.update_draft(
            draft.id, draft.created_by or 0, expect=[draft.step or ""], translation=(language, text.strip()), step="translations",
        )
        return await self._translations_or_when(updated) if updated else None

    async def _take_time(self, draft: BroadcastView, text: str) -> Step | None:
        snap = await self.events.snapshot()
        try:
            when = parse_send_time(text, self.now(), snap.timezone)
        except WhenError as error:
            return Step(TIME_REFUSED, draft, refusal=error.code)
        updated = await self.service.update_draft(draft.id, draft.created_by or 0, expect=["time"], send_at=when.instant, step="preview")
        return Step(PREVIEW, updated) if updated else None

    async def press(self, draft: BroadcastView, action: str, value: str = "") -> Step | None:
        """A button of the draft's conversation (not "go", see `confirm`); None when it does not
        belong to the step the draft is at."""
        owner = draft.created_by or 0
        if action == "drop":
            return Step(DISCARDED, draft) if await self.service.discard(draft.id, owner) else None
        if draft.step == "audience":
            return await self._audience_button(draft, action, value)
        if action == "tr" and draft.step == "translations":
            if value not in self.translation_languages(draft, (await self.events.snapshot()).default_language):
                return None
            updated = await self.service.update_draft(draft.id, owner, expect=["translations"], step=f"translation:{value}")
            return Step(ASK_TRANSLATION, updated, language=value) if updated else None
        moves = {("next", "translations"): ("when", ASK_WHEN), ("later", "when"): ("time", ASK_TIME)}
        if (action, draft.step) in moves:
            step, kind = moves[(action, draft.step or "")]
            updated = await self.service.update_draft(draft.id, owner, expect=[draft.step or ""], step=step)
            return Step(kind, updated) if updated else None
        if action == "now" and draft.step == "when":
            updated = await self.service.update_draft(draft.id, owner, expect=["when"], send_at=None, step="preview")
            return Step(PREVIEW, updated) if updated else None
        return None

    async def _audience_button(self, draft: BroadcastView, action: str, value: str) -> Step | None:
        snap = await self.events.snapshot()
        if action == "aud":
            if value in ("all", "verified"):
                return await self._set_audience(draft, Audience(value))
            pickers = {"lang": CHOOSE_LANGUAGE, "country": CHOOSE_DELEGATION, "session": CHOOSE_SESSION}
            return Step(pickers[value], draft) if value in pickers else None
        valid = {
            "lang": list(self.languages),
            "country": [code for code, _, _ in snap.delegations],
            "session": [s.id for s in session_choices(snap)],
        }
        if action not in valid or value not in valid[action]:
            return None
        return await self._set_audience(draft, Audience(action, value))

    async def _set_audience(self, draft: BroadcastView, audience: Audience) -> Step | None:
        updated = await self.service.update_draft(draft.id, draft.created_by or 0, expect=["audience"], audience=audience, step="translations")
        return await self._translations_or_when(updated) if updated else None

    async def _translations_or_when(self, draft: BroadcastView) -> Step | None:
        """The translations menu, or straight to "when?" when no other language needs a text."""
        snap = await self.events.snapshot()
        languages = self.translation_languages(draft, snap.default_language)
        if not languages:
            updated = await self.service.update_draft(draft.id, draft.created_by or 0, expect=["translations"], step="when")
            return Step(ASK_WHEN, updated) if updated else None
        return Step(TRANSLATIONS, draft, languages=(snap.default_language, *languages))

    def translation_languages(self, draft: BroadcastView, default_language: str) -> list[str]:
        """The languages worth a translation: the audience's one, or every event language but the default."""
        if draft.audience is not None and draft.audience.kind == "lang":
            return [draft.audience.value] if draft.audience.value and draft.audience.value != default_language else []
        return [lang for lang in self.languages if lang != default_language]

    async def confirm(self, draft: BroadcastView, progress_message_id: int | None = None) -> Released | BroadcastView | None:
        """"Send": released now (Released) or scheduled (its view); None when the draft is not at its
        preview any more (a double press, a stale button)."""
        return await self.service.confirm(draft.id, draft.created_by or 0, progress_message_id)

    # --- shared with the console ----------------------------------------------------------------
    async def preview(self, texts: dict[str, str], audience: Audience, attachment: Attachment | None = None) -> Preview:
        """Who gets which text, and each text exactly as they will see it: one variant per language
        with its own text, then one for the languages that fall back to the default language's."""
        snap = await self.events.snapshot()
        size = await self.service.audience_size(audience)
        groups: list[tuple[tuple[str, ...], int, bool]]
        if audience.kind == "lang" and audience.value:
            groups = [((audience.value,), size.total, audience.value in texts)]
        else:
            groups = [((lang,), size.by_language.get(lang, 0), True) for lang in self.languages if lang in texts]
            untranslated = sorted((lang for lang in size.by_language if lang not in texts), key=lambda lang: -size.by_language[lang])
            if untranslated:
                groups.append((tuple(untranslated), sum(size.by_language[lang] for lang in untranslated), False))
        variants = []
        for languages, count, translated in groups:
            shown = Translator(languages[0], snap.timezone, snap.default_language)
            variants.append(Variant(languages, count, translated, render_broadcast(shown, texts, snap.default_language, attachment)))
        return Preview(size, tuple(variants))

    async def draft_preview(self, draft: BroadcastView) -> Preview:
        assert draft.audience is not None
        return await self.preview(draft.texts, draft.audience, draft.attachment)
