"""`python -m bot.training.heldout MODEL`: the model's intent accuracy on the held-out questions
(tests/nlu/test_nlu_*.yml, never trained on), as one JSON line: {"accuracy": 0.93, "n": 412}.
{"accuracy": null} when there are no held-out files (a deployment without the tests)."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m bot.training.heldout MODEL.tar.gz", file=sys.stderr)
        return 2
    from nlu.evaluate import held_out_sets, score
    from nlu.interpreter import RasaInterpreter

    examples = [ex for exs in held_out_sets().values() for ex in exs]
    if not examples:
        print(json.dumps({"accuracy": None, "n": 0}))
        return 0
    interpreter = RasaInterpreter.load(Path(argv[0]))
    parses = [interpreter.parse_blocking(ex.text) for ex in examples]
    print(json.dumps({"accuracy": round(score(examples, parses).accuracy, 4), "n": len(examples)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
