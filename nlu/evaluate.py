"""`python -m nlu.evaluate [--model PATH] [--data FILE ...] [--errors]` (what `make eval` prints).

How well the model understands questions it never saw, per language:
- in-scope questions (tests/nlu/test_nlu_<language>.yml, Rasa NLU format, written independently of
  the training data; `rasa test nlu --nlu FILE` reads them too): intent accuracy (all of them, and
  the in-scope ones alone), macro-F1, entity precision/recall/F1 (type and span) and how often a
  found entity has the expected normalised value;
- off-topic questions routed to the helpdesk (out_of_scope or nlu_fallback): CLINC150's oos_val and
  oos_train (English, used for tuning), CLINC150's oos_test (English, 1 000 real queries, never
  used for tuning: the honest figure; read from CLINC_OOS_TEST or ../shared/data/clinc-oos/, kept
  outside the project) and tests/nlu/offtopic/<language>.txt (Indonesian, written independently of
  the training data);
- FAQ retrieval: held-out paraphrases of the event's FAQ entries (tests/nlu/test_faq_<language>.yml)
  get that entry's answer (through the retrieval intent `faq`, or the intent of the entry's topic);
- a precision/coverage table: the domain fallback replayed at other thresholds from the real
  ranking: the share of in-scope questions answered, the share of those answers that are right,
  the share of off-topic questions routed (tuning sets only: oos_test is never replayed).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from nlu.types import FAQ_INTENT, HANDOFF_INTENTS, OUT_OF_SCOPE, TOPIC_INTENTS, Parse

ROOT = Path(__file__).resolve().parent.parent
HELD_OUT_DIR = ROOT / "tests" / "nlu"
GENERATED = ROOT / "data" / "nlu" / "generated.yml"
CLINC_DIR = ROOT / "tests" / "nlu" / "clinc"
CLINC_TUNING = ("oos_val.txt", "oos_train.txt")
"""CLINC150 out-of-scope files that may be used for tuning; oos_test.txt is the product's exam."""
CLINC_EXAM = "oos_test.txt"
CLINC_EXAM_DIRS = (CLINC_DIR, ROOT.parent / "shared" / "data" / "clinc-oos", Path("/work/shared/data/clinc-oos"))
OFFTOPIC_DIR = ROOT / "tests" / "nlu" / "offtopic"
EVENT_FILE = ROOT / "data" / "event.yml"

_ANNOTATION = re.compile(r"\[(?P<text>[^\]]+?)\](?:\((?P<entity>[^:)]+?)(?::[^)]+)?\)|\{(?P<dict>[^}]+?)\})")


@dataclass(frozen=True)
class Example:
    """One held-out message: its text, the intent it means, its entities as (type, surface text)."""

    text: str
    intent: str
    entities: tuple[tuple[str, str], ...]
    language: str


def parse_example(line: str, intent: str, language: str) -> Example:
    """`when does [Bu Retno](speaker) speak` -> text and entities, as Rasa reads the annotation."""
    entities = []
    for m in _ANNOTATION.finditer(line):
        entity = m.group("entity") or _dict_entity(m.group("dict"))
        entities.append((entity.strip(), m.group("text")))
    text = _ANNOTATION.sub(lambda m: m.group("text"), line)
    return Example(text=text, intent=intent, entities=tuple(entities), language=language)


def _dict_entity(raw: str) -> str:
    m = re.search(r'"entity"\s*:\s*"([^"]+)"', raw)
    return m.group(1) if m else ""


def load_examples(path: Path, language: str | None = None) -> list[Example]:
    """Every intent example of a Rasa NLU YAML file."""
    language = language or path.stem.rsplit("_", 1)[-1]
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    examples = []
    for block in doc.get("nlu") or []:
        if "intent" not in block:
            continue
        for line in str(block.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                examples.append(parse_example(line[2:].strip(), block["intent"], language))
    return examples


def held_out_files(directory: Path = HELD_OUT_DIR) -> list[Path]:
    return sorted(directory.glob("test_nlu_*.yml"))


def held_out_sets(files: Iterable[Path] | None = None) -> dict[str, list[Example]]:
    """Held-out examples by language."""
    sets: dict[str, list[Example]] = {}
    for path in files if files is not None else held_out_files():
        for ex in load_examples(path):
            sets.setdefault(ex.language, []).append(ex)
    return sets


def synonyms(path: Path = GENERATED) -> dict[str, str]:
    """Surface form (lower case) -> normalised value, from the generated synonyms."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
    table: dict[str, str] = {}
    for block in (doc or {}).get("nlu") or []:
        if "synonym" in block:
            for line in str(block["examples"]).splitlines():
                if line.strip().startswith("- "):
                    table[line.strip()[2:].strip().lower()] = str(block["synonym"])
    return table


def routed(parse: Parse) -> str:
    """What the bot does with a parse: the intent, or "out_of_scope" for anything sent to the helpdesk."""
    return OUT_OF_SCOPE if parse.intent in HANDOFF_INTENTS else parse.intent


Thresholds = tuple[float, float, float]
"""The confidence needed with no, one, two or more unknown words (nlu.domain)."""


def with_thresholds(parse: Parse, thresholds: Thresholds) -> str:
    """The routed intent had the domain fallback used these thresholds (replayed on the ranking)."""
    if not parse.ranking:
        return OUT_OF_SCOPE
    top, confidence = parse.ranking[0]
    if top == OUT_OF_SCOPE or confidence < thresholds[min(len(parse.unknown_words), 2)]:
        return OUT_OF_SCOPE
    return top


@dataclass(frozen=True)
class Scores:
    n: int
    accuracy: float
    macro_f1: float
    entity_precision: float
    entity_recall: float
    entity_f1: float
    normalised: float
    errors: tuple[tuple[str, str, str], ...]  # (text, expected intent, predicted)


def f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def score(examples: Sequence[Example], parses: Sequence[Parse], table: dict[str, str] | None = None,
          decide: Callable[[Parse], str] = routed) -> Scores:
    """Intent and entity scores of `parses` against `examples` (same order)."""
    table = synonyms() if table is None else table
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    e_tp = e_fp = e_fn = norm_ok = 0
    errors = []
    for ex, parse in zip(examples, parses, strict=True):
        got = decide(parse)
        if got == ex.intent:
            tp[ex.intent] += 1
        else:
            fp[got] += 1
            fn[ex.intent] += 1
            errors.append((ex.text, ex.intent, got))
        gold = {(e, t.casefold()) for e, t in ex.entities}
        found = {(e.entity, e.text.casefold()): e.value for e in parse.entities}
        hits = gold & found.keys()
        e_tp += len(hits)
        e_fp += len(found.keys() - gold)
        e_fn += len(gold - found.keys())
        norm_ok += sum(found[h] == table.get(h[1], _surface(ex, h)) for h in hits)
    labels = {ex.intent for ex in examples}
    per_label = [f1(_ratio(tp[x], tp[x] + fp[x]), _ratio(tp[x], tp[x] + fn[x])) for x in labels]
    precision, recall = _ratio(e_tp, e_tp + e_fp), _ratio(e_tp, e_tp + e_fn)
    return Scores(
        n=len(examples), accuracy=_ratio(sum(tp.values()), len(examples)),
        macro_f1=sum(per_label) / len(per_label) if per_label else 0.0,
        entity_precision=precision, entity_recall=recall, entity_f1=f1(precision, recall),
        normalised=_ratio(norm_ok, e_tp), errors=tuple(errors),
    )


def _surface(ex: Example, hit: tuple[str, str]) -> str:
    """The annotated text itself: what an entity without a synonym keeps as its value."""
    return next(t for e, t in ex.entities if (e, t.casefold()) == hit)


def clinc_queries(names: Iterable[str] = CLINC_TUNING, directory: Path = CLINC_DIR) -> dict[str, list[str]]:
    out = {}
    for name in names:
        if name == "oos_test.txt":
            raise ValueError("oos_test.txt is for the final measurement only, never for tuning")
        path = directory / name
        if path.is_file():
            out[name] = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return out


def clinc_exam(override: str | None = None) -> list[str] | None:
    """CLINC150's oos_test queries, for the final measurement only (None when not available)."""
    candidates = [Path(override)] if override else [d / CLINC_EXAM for d in CLINC_EXAM_DIRS]
    for path in candidates:
        if path.is_file():
            return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return None


def offtopic_sets(directory: Path = OFFTOPIC_DIR) -> dict[str, list[str]]:
    """Off-topic evaluation questions by language (tests/nlu/offtopic/<language>.txt; # comments)."""
    return {
        path.stem: [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]
        for path in sorted(directory.glob("*.txt"))
    }


def faq_files(directory: Path = HELD_OUT_DIR) -> list[Path]:
    return sorted(directory.glob("test_faq_*.yml"))


def faq_topics(event_file: Path = EVENT_FILE) -> dict[str, str]:
    """FAQ entry id -> topic ("other" when none), from the event file."""
    doc = yaml.safe_load(event_file.read_text(encoding="utf-8")) or {}
    return {str(e["id"]): str(e.get("topic") or "other") for e in doc.get("faq") or [] if isinstance(e, dict) and "id" in e}


def answered_entries(parse: Parse, topics: dict[str, str], decide: Callable[[Parse], str] = routed) -> set[str]:
    """The FAQ entries whose answer the delegate gets: the one the retrieval intent picked, or
    every entry of the topics the intent answers (ask_wifi: the `wifi` entries)."""
    intent = decide(parse)
    if intent == FAQ_INTENT:
        return {parse.faq_ranking[0][0]} if parse.faq_ranking else set()
    wanted = {topic for topic, answering in TOPIC_INTENTS.items() if answering == intent}
    return {entry for entry, topic in topics.items() if topic in wanted}


def faq_score(examples: Sequence[Example], parses: Sequence[Parse], topics: dict[str, str]) -> tuple[float, list[tuple[str, str, str]]]:
    """(share of paraphrases answered with their entry, errors as (text, entry, what came instead))."""
    errors = []
    for ex, parse in zip(examples, parses, strict=True):
        entry = ex.intent.removeprefix(f"{FAQ_INTENT}/")
        got = answered_entries(parse, topics)
        if entry not in got:
            errors.append((ex.text, entry, routed(parse) + (f"/{parse.faq_ranking[0][0]}" if routed(parse) == FAQ_INTENT and parse.faq_ranking else "")))
    return _ratio(len(examples) - len(errors), len(examples)), errors


def oos_rate(parses: Sequence[Parse], decide: Callable[[Parse], str] = routed) -> float:
    """The share of parses sent to the helpdesk."""
    return _ratio(sum(decide(p) == OUT_OF_SCOPE for p in parses), len(parses))


def fallback_settings(config: Path = ROOT / "config.yml") -> Thresholds:
    """The thresholds of the DomainFallbackClassifier in config.yml."""
    doc = yaml.safe_load(config.read_text(encoding="utf-8"))
    for component in doc.get("pipeline") or []:
        if str(component.get("name", "")).endswith("DomainFallbackClassifier"):
            return (float(component.get("threshold", 0.35)), float(component.get("threshold_one_unknown", 0.5)),
                    float(component.get("threshold_unknown", 0.97)))
    return (0.0, 0.0, 0.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="model archive (default: the one for the current data, trained if needed)")
    parser.add_argument("--data", type=Path, nargs="*", help="held-out files (default: tests/nlu/test_nlu_*.yml)")
    parser.add_argument("--clinc-test", help="CLINC150 oos_test.txt (default: CLINC_OOS_TEST or ../shared/data/clinc-oos/)")
    parser.add_argument("--errors", action="store_true", help="list the misclassified held-out examples and FAQ paraphrases")
    args = parser.parse_args(argv)

    import os

    from nlu.interpreter import RasaInterpreter
    from nlu.train import ensure_model

    model = args.model or ensure_model(quiet=True)
    started = time.perf_counter()
    interpreter = RasaInterpreter.load(model)
    print(f"model {model.name} loaded in {time.perf_counter() - started:.1f} s")
    parse = interpreter.parse_blocking
    sets = held_out_sets(args.data)
    parses = {lang: [parse(ex.text) for ex in exs] for lang, exs in sets.items()}
    table = synonyms()
    in_scope = {lang: [i for i, ex in enumerate(exs) if ex.intent != OUT_OF_SCOPE] for lang, exs in sets.items()}

    print("\nin-scope questions never trained on (tests/nlu/test_nlu_<language>.yml)")
    print(f"{'language':<9} {'n':>4} {'accuracy':>9} {'in-scope':>9} {'macro-F1':>9} {'ent P':>6} {'ent R':>6} {'ent F1':>7} {'normalised':>11}")
    for lang, exs in sets.items():
        s = score(exs, parses[lang], table)
        inner = score([exs[i] for i in in_scope[lang]], [parses[lang][i] for i in in_scope[lang]], table)
        print(f"{lang:<9} {s.n:>4} {s.accuracy:>9.3f} {inner.accuracy:>9.3f} {s.macro_f1:>9.3f} {s.entity_precision:>6.3f} "
              f"{s.entity_recall:>6.3f} {s.entity_f1:>7.3f} {s.normalised:>11.3f}")
        if args.errors:
            for text, gold, got in s.errors:
                print(f"    {gold:>17} -> {got:<17} {text}")

    print("\noff-topic questions routed to the helpdesk")
    offtopic: dict[str, list[Parse]] = {}
    for name, queries in clinc_queries().items():
        offtopic[f"en CLINC150 {name.removesuffix('.txt')} (tuning)"] = [parse(q) for q in queries]
    exam = clinc_exam(args.clinc_test or os.environ.get("CLINC_OOS_TEST"))
    for name, queries in offtopic_sets().items():
        offtopic[f"{name} tests/nlu/offtopic/{name}.txt (independent)"] = [parse(q) for q in queries]
    for label, ps in offtopic.items():
        print(f"  {label:<48} {oos_rate(ps):>6.1%} of {len(ps)}")
    if exam is None:
        print("  en CLINC150 oos_test: not found (set CLINC_OOS_TEST)")
    else:
        print(f"  {'en CLINC150 oos_test (never tuned on)':<48} {oos_rate([parse(q) for q in exam]):>6.1%} of {len(exam)}")

    topics = faq_topics()
    print("\nFAQ retrieval: held-out paraphrases answered with their entry (tests/nlu/test_faq_<language>.yml)")
    for path in faq_files():
        exs = load_examples(path)
        share, errors = faq_score(exs, [parse(ex.text) for ex in exs], topics)
        entries = len({ex.intent for ex in exs})
        print(f"  {exs[0].language if exs else path.stem:<6} {share:>6.1%} of {len(exs)} ({entries} entries)")
        if args.errors:
            for text, entry, got in errors:
                print(f"    {entry:>17} -> {got:<24} {text}")

    _coverage_table(sets, parses, in_scope, offtopic)
    return 0


def _coverage_table(sets: dict[str, list[Example]], parses: dict[str, list[Parse]], in_scope: dict[str, list[int]],
                    offtopic: dict[str, list[Parse]]) -> None:
    shipped = fallback_settings()
    print(f"\nprecision and coverage at other thresholds (confidence needed with 0 / 1 / 2+ unknown words; "
          f"config.yml: {' / '.join(f'{t:g}' for t in shipped)})")
    print(f"{'language':<9} {'thresholds':<18} {'answered':>9} {'correct':>8}  off-topic routed")
    settings = [(0.0, 0.0, 0.0), (0.35, 0.35, 0.35), (0.5, 0.5, 0.5), (0.7, 0.7, 0.7),
                (0.25, 0.4, 0.9), (0.3, 0.45, 0.97), shipped, (0.4, 0.55, 0.97), (0.5, 0.65, 1.01)]
    for lang, exs in sets.items():
        for t in dict.fromkeys(settings):
            def decide(p: Parse, t: Thresholds = t) -> str:
                return with_thresholds(p, t)

            decided = [(exs[i].intent, decide(parses[lang][i])) for i in in_scope[lang]]
            answered = [(gold, got) for gold, got in decided if got != OUT_OF_SCOPE]
            correct = _ratio(sum(gold == got for gold, got in answered), len(answered))
            routed_off = [f"{label.split(' (')[0].removeprefix(lang + ' ')} {oos_rate(ps, decide):.1%}"
                          for label, ps in offtopic.items() if label.startswith(lang + " ")]
            held_out_off = [parses[lang][i] for i, ex in enumerate(exs) if ex.intent == OUT_OF_SCOPE]
            routed_off.append(f"held-out {oos_rate(held_out_off, decide):.1%}")
            mark = " *" if t == shipped else ""
            print(f"{lang:<9} {' / '.join(f'{x:g}' for x in t) + mark:<18} {_ratio(len(answered), len(decided)):>9.1%} {correct:>8.1%}  {', '.join(routed_off)}")


if __name__ == "__main__":
    sys.exit(main())
