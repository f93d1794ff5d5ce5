"""`python -m nlu.compare nlu/variants/*.yml [--keep DIR]`: how pipeline variants compare.

Each variant config is trained on the project's current domain and NLU data (in a scratch copy of
the project, so models/ and the cached model are untouched), then loaded and run on the held-out
sets and on CLINC150 oos_val/oos_train. One row per variant: training and load time, parse latency,
intent accuracy and macro-F1 per language, entity F1, OOS rate at the variant's own threshold.
The table in nlu/README.md comes from this command.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from nlu.evaluate import clinc_queries, held_out_sets, oos_rate, score, synonyms
from nlu.train import ROOT, ensure_model, training_files


@dataclass(frozen=True)
class Row:
    variant: str
    train_s: float
    load_s: float
    p50_ms: float
    cells: dict[str, str]


def scratch_project(config: Path, into: Path) -> Path:
    """A copy of the project's NLU inputs with `config` as config.yml."""
    for path in training_files(ROOT)[1:]:
        target = into / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    shutil.copyfile(config, into / "config.yml")
    return into


def run_variant(config: Path, workdir: Path) -> Row:
    from nlu.interpreter import RasaInterpreter

    root = scratch_project(config, workdir / config.stem)
    started = time.perf_counter()
    model = ensure_model(root=root, models=root / "models", quiet=True)
    train_s = time.perf_counter() - started
    started = time.perf_counter()
    interpreter = RasaInterpreter.load(model)
    load_s = time.perf_counter() - started
    table = synonyms()
    cells: dict[str, str] = {}
    latencies = []
    for lang, examples in held_out_sets().items():
        parses = []
        for ex in examples:
            t = time.perf_counter()
            parses.append(interpreter.parse_blocking(ex.text))
            latencies.append((time.perf_counter() - t) * 1000)
        s = score(examples, parses, table)
        cells[f"acc {lang}"] = f"{s.accuracy:.3f}"
        cells[f"F1 {lang}"] = f"{s.macro_f1:.3f}"
        cells[f"ent F1 {lang}"] = f"{s.entity_f1:.3f}"
    for name, queries in clinc_queries().items():
        cells[name.removesuffix(".txt")] = f"{oos_rate([interpreter.parse_blocking(q) for q in queries]):.0%}"
    return Row(config.stem, train_s, load_s, statistics.median(latencies), cells)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("configs", type=Path, nargs="+")
    parser.add_argument("--keep", type=Path, help="train in this directory and keep the models (default: a temporary one)")
    args = parser.parse_args(argv)
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="nlu-compare-"))
    rows = []
    for config in args.configs:
        print(f"== {config.stem}", file=sys.stderr, flush=True)
        rows.append(run_variant(config, workdir))
        _print(rows)
    if args.keep is None:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def _print(rows: list[Row]) -> None:
    keys = list(rows[0].cells)
    print("| variant | train s | load s | p50 ms | " + " | ".join(keys) + " |")
    print("|---" * (4 + len(keys)) + "|")
    for r in rows:
        print(f"| {r.variant} | {r.train_s:.0f} | {r.load_s:.1f} | {r.p50_ms:.1f} | " + " | ".join(r.cells[k] for k in keys) + " |")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
