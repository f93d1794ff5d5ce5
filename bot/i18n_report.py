"""`python -m bot.i18n_report`: untranslated and fuzzy messages per language (exit 1 if any)."""

from __future__ import annotations

import sys

from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR

SOURCE_LANGUAGE = "en"  # msgids are English; no catalog needed


def untranslated() -> dict[str, list[str]]:
    report: dict[str, list[str]] = {}
    for po_path in sorted(LOCALES_DIR.glob("*/LC_MESSAGES/messages.po")):
        language = po_path.parent.parent.name
        if language == SOURCE_LANGUAGE:
            continue
        with po_path.open("rb") as f:
            catalog = read_po(f, locale=language)
        missing: list[str] = []
        for message in catalog:
            if not message.id:
                continue
            strings = list(message.string) if isinstance(message.string, (list, tuple)) else [message.string or ""]
            if message.fuzzy or not all(strings):
                missing.append(str(message.id if isinstance(message.id, str) else message.id[0]))
        report[language] = missing
    return report


def main() -> int:
    report = untranslated()
    for language, missing in report.items():
        print(f"{language}: {'complete' if not missing else f'{len(missing)} untranslated'}")
        for message_id in missing[:20]:
            print(f"    {message_id}")
    return 1 if any(report.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
