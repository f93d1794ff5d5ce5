"""Labelled helpdesk questions back into Rasa training data (`python -m bot export-training FILE`).

The file is a Rasa 3 YAML `nlu:` file with one intent block per label, written so that it merges
well: intents and examples sorted, duplicates dropped, and nothing that the other training files
already hold (an example under two intents would contradict the data, and `rasa data validate`
rejects it). The whole file is regenerated each time, so it is never edited by hand.

Escaping: questions are cleaned as the interpreter cleans them (one line, no control characters,
at most 500 characters), PyYAML writes the examples block (a literal block when it can, a quoted
string otherwise), and `[text](...)`-like brackets are broken up so that Rasa does not read a
delegate's text as an entity annotation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.settings import PROJECT_ROOT
from nlu.interpreter import sanitise
from nlu.types import FAQ_INTENT

DEFAULT_TARGET = PROJECT_ROOT / "data" / "nlu" / "helpdesk.yml"
HEADER = (
    "# Questions the helpdesk labelled in its console, exported by `python -m bot export-training`.\n"
    "# Regenerated on every export: label questions in the console instead of editing this file.\n"
)
# Rasa's entity annotation: [text](entity), [text]{"entity": ...} or [text][{...}].
ENTITY_ANNOTATION = re.compile(r"\[(?P<text>[^\]]+?)\](\([^)]*\)|\{[^}]*\}|\[.*?\])")


@dataclass(frozen=True)
class Skipped:
    text: str
    intent: str
    why: str  # "duplicate", "in training data", "conflict with <intent>", "unknown intent", "empty"


@dataclass(frozen=True)
class TrainingExport:
    content: str
    examples: dict[str, tuple[str, ...]]
    skipped: tuple[Skipped, ...] = field(default=())

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.examples.values())


class _Literal(str):
    """A string PyYAML writes as a literal block (`|`) when its content allows."""


class _Dumper(yaml.SafeDumper):
    pass


def _literal(dumper: yaml.SafeDumper, value: _Literal) -> Any:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style="|")


_Dumper.add_representer(_Literal, _literal)


def domain_intents(domain_file: Path = PROJECT_ROOT / "domain.yml") -> tuple[str, ...]:
    """The intents agents may label with: those the NLU model knows (domain.yml), less the FAQ's
    retrieval intent (its examples come from the event file; a question the FAQ should answer is
    marked "new FAQ" for the organisers)."""
    data = yaml.safe_load(domain_file.read_text(encoding="utf-8")) or {}
    names = []
    for item in data.get("intents") or []:
        names.append(next(iter(item)) if isinstance(item, dict) else str(item))
    return tuple(name for name in names if name != FAQ_INTENT)


def training_example(text: str) -> str:
    """A question as a training example: cleaned like the interpreter's input, brackets defused."""
    clean = sanitise(text)
    return re.sub(r"\](?=[\(\{\[])", "] ", clean)


def _key(example: str) -> str:
    return " ".join(example.casefold().split())


def known_examples(files: list[Path]) -> dict[str, set[str]]:
    """Every example of the given training files (entity annotations removed) and its intents."""
    known: dict[str, set[str]] = {}
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("nlu") or []:
            if not isinstance(item, dict) or "intent" not in item:
                continue
            examples = item.get("examples") or ""
            lines = examples.splitlines() if isinstance(examples, str) else [str(e.get("text", "")) for e in examples if isinstance(e, dict)]
            for line in lines:
                line = line.strip()
                line = line[1:].strip() if line.startswith("-") else line
                plain = ENTITY_ANNOTATION.sub(lambda m: m.group("text"), line)
                if plain:
                    known.setdefault(_key(plain), set()).add(str(item["intent"]))
    return known


def other_training_files(target: Path, root: Path = PROJECT_ROOT) -> list[Path]:
    """The NLU training files the model is trained on (nlu/train.py), except the export target."""
    from nlu.train import training_files

    return [p for p in training_files(root) if p.name not in ("config.yml", "domain.yml") and p.resolve() != target.resolve()]


def render_training(labelled: list[tuple[str, str]], intents: tuple[str, ...], known: dict[str, set[str]]) -> TrainingExport:
    """The YAML for labelled (intent, question) pairs; what was left out, and why, in `skipped`."""
    chosen: dict[str, dict[str, str]] = {}
    skipped: list[Skipped] = []
    seen: dict[str, str] = {}
    for intent, text in labelled:
        example = training_example(text)
        key = _key(example)
        if intent not in intents:
            skipped.append(Skipped(text, intent, "unknown intent"))
        elif not example:
            skipped.append(Skipped(text, intent, "empty"))
        elif key in known:
            others = sorted(known[key] - {intent})
            skipped.append(Skipped(text, intent, f"conflict with {', '.join(others)}" if others else "in training data"))
        elif key in seen:
            skipped.append(Skipped(text, intent, "duplicate" if seen[key] == intent else f"conflict with {seen[key]}"))
        else:
            seen[key] = intent
            chosen.setdefault(intent, {})[key] = example
    examples = {intent: tuple(sorted(chosen[intent].values(), key=_key)) for intent in sorted(chosen)}
    document = {
        "version": "3.1",
        "nlu": [{"intent": intent, "examples": _Literal("".join(f"- {e}\n" for e in items))} for intent, items in examples.items()],
    }
    body = yaml.dump(document, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000, default_flow_style=False)
    return TrainingExport(HEADER + body, examples, tuple(skipped))


def render_faq(questions: list[str]) -> str:
    """Questions marked "new FAQ", for the organisers to answer in the event file's faq section."""
    lines = ["# Questions the helpdesk marked as a new FAQ: add an answer to the event file's faq section."]
    first: dict[str, str] = {}
    for question in questions:
        if clean := sanitise(question):
            first.setdefault(_key(clean), clean)
    unique = sorted(first.values(), key=_key)
    body = yaml.dump({"questions": unique}, Dumper=yaml.SafeDumper, allow_unicode=True, sort_keys=False, width=10_000)
    return "\n".join(lines) + "\n" + body
