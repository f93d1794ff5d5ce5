"""`python -m nlu.evaluate [--model PATH] [--data FILE ...] [--errors] [--thresholds]`.

How well the model understands questions it never saw, per language: intent accuracy and macro-F1,
entity precision/recall/F1 (type and span), how often a found entity has the expected normalised
value, and the share of real out-of-scope queries (CLINC150 oos_val and oos_train) that go to the
helpdesk (out_of_scope or nlu_fallback).

The held-out files are tests/nlu/test_nlu_<language>.yml (Rasa NLU format; the language is the
file name's suffix), written independently of the training data. `rasa test nlu --nlu FILE` reads
them as well. `--thresholds` replays the fallback at other thresholds from the real ranking, to
choose the one in config.yml; CLINC150's oos_test.txt is never read here.
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

from nlu.types import HANDOFF_INTENTS, OUT_OF_SCOPE, Parse

ROOT = Path(__file__).resolve().parent.parent
HELD_OUT_DIR = ROOT / "tests" / "nlu"
GENERATED = ROOT / "data" / "nlu" / "generated.yml"
CLINC_DIR = ROOT / "tests" / "nlu" / "clinc"
CLINC_TUNING = ("oos_val.txt", "oos_train.txt")
"""CLINC150 out-of-scope files that may be used for tuning; oos_test.txt is the product's exam."""

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


def with_threshold(parse: Parse, threshold: float, ambiguity: float) -> str:
    """The routed intent had the fallback used this threshold (Rasa's rule, replayed on the ranking)."""
    if not parse.ranking:
        return OUT_OF_SCOPE
    top, confidence = parse.ranking[0]
    second = parse.ranking[1][1] if len(parse.ranking) > 1 else 0.0
    if confidence < threshold or confidence - second < ambiguity or top == OUT_OF_SCOPE:
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


def oos_rate(parses: Sequence[Parse], decide: Callable[[Parse], str] = routed) -> float:
    """The share of parses sent to the helpdesk."""
    return _ratio(sum(decide(p) == OUT_OF_SCOPE for p in parses), len(parses))


def fallback_settings(config: Path = ROOT / "config.yml") -> tuple[float, float]:
    """(threshold, ambiguity_threshold) of the FallbackClassifier in config.yml."""
    doc = yaml.safe_load(config.read_text(encoding="utf-8"))
    for component in doc.get("pipeline") or []:
        if component.get("name") == "FallbackClassifier":
            return float(component.get("threshold", 0.3)), float(component.get("ambiguity_threshold", 0.1))
    return 0.0, 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="model archive (default: the one for the current data, trained if needed)")
    parser.add_argument("--data", type=Path, nargs="*", help="held-out files (default: tests/nlu/test_nlu_*.yml)")
    parser.add_argument("--errors", action="store_true", help="list the misclassified held-out examples")
    parser.add_argument("--thresholds", action="store_true", help="replay the fallback at other thresholds")
    args = parser.parse_args(argv)

    from nlu.interpreter import RasaInterpreter
    from nlu.train import ensure_model

    model = args.model or ensure_model(quiet=True)
    started = time.perf_counter()
    interpreter = RasaInterpreter.load(model)
    print(f"model {model.name} loaded in {time.perf_counter() - started:.1f} s")
    sets = held_out_sets(args.data)
    parses = {lang: [interpreter.parse_blocking(ex.text) for ex in exs] for lang, exs in sets.items()}
    clinc = {name: [interpreter.parse_blocking(q) for q in qs] for name, qs in clinc_queries().items()}
    table = synonyms()

    print(f"\n{'language':<9} {'n':>4} {'accuracy':>9} {'macro-F1':>9} {'ent P':>6} {'ent R':>6} {'ent F1':>7} {'normalised':>11}")
    for lang, exs in sets.items():
        s = score(exs, parses[lang], table)
        print(f"{lang:<9} {s.n:>4} {s.accuracy:>9.3f} {s.macro_f1:>9.3f} {s.entity_precision:>6.3f} "
              f"{s.entity_recall:>6.3f} {s.entity_f1:>7.3f} {s.normalised:>11.3f}")
        if args.errors:
            for text, gold, got in s.errors:
                print(f"    {gold:>17} -> {got:<17} {text}")
    for name, ps in clinc.items():
        print(f"CLINC150 {name}: {oos_rate(ps):.1%} of {len(ps)} sent to the helpdesk")

    if args.thresholds:
        _threshold_table(sets, parses, clinc, table)
    return 0


def _threshold_table(sets: dict[str, list[Example]], parses: dict[str, list[Parse]], clinc: dict[str, list[Parse]],
                     table: dict[str, str]) -> None:
    threshold, ambiguity = fallback_settings()
    print(f"\nfallback replayed (config.yml: threshold {threshold}, ambiguity {ambiguity})")
    langs = list(sets)
    print(f"{'threshold':>9} {'ambig.':>6} " + " ".join(f"{'acc ' + lang:>8}" for lang in langs)
          + " " + " ".join(f"{n.removesuffix('.txt'):>9}" for n in clinc))
    for t in (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9):
        for a in (0.0, 0.1, 0.2):
            def decide(p: Parse, t: float = t, a: float = a) -> str:
                return with_threshold(p, t, a)

            accs = [score(sets[lang], parses[lang], table, decide).accuracy for lang in langs]
            rates = [oos_rate(ps, decide) for ps in clinc.values()]
            print(f"{t:>9.2f} {a:>6.2f} " + " ".join(f"{x:>8.3f}" for x in accs) + " " + " ".join(f"{r:>9.1%}" for r in rates))


if __name__ == "__main__":
    sys.exit(main())
