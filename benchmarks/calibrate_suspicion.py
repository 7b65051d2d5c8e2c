"""Calibrate the suspicion margins of ``check_accuracy`` (issue 10).

Trains each assignment's reference solution over many seeds (the same runs as
``calibrate_thresholds.py``) and measures, the way the grader does, its test
accuracy and how much better it does on the test split than on its own
training split. Prints the best test accuracy and the largest test − train gap
ever seen: ``REFERENCE_BEST`` and ``REFERENCE_GAP`` in
``autograder/checks/training.py``. Then a model trained on the test split
(``model.fit(x_test, y_test, epochs=60)``), which those margins must flag.

    python benchmarks/calibrate_suspicion.py            # 20 seeds each
"""

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402
from calibrate_thresholds import REFERENCES  # noqa: E402

from autograder.checks.data import cancer_split, digits_split  # noqa: E402
from autograder.checks.environment import set_seeds  # noqa: E402
from autograder.checks.predictions import predict, predicted_classes  # noqa: E402
from autograder.checks.training import REFERENCE_BEST, REFERENCE_GAP  # noqa: E402

SPLITS = {"05_entrenamiento": ("digits", digits_split), "06_proyecto": ("cancer", cancer_split)}


def accuracy(model, x, y) -> float:
    return float(np.mean(predicted_classes(predict(model, "model", x)) == y))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    args = parser.parse_args(argv)
    for assignment, build in sorted(REFERENCES.items()):
        key, split = SPLITS[assignment]
        x_train, x_test, y_train, y_test = split()
        tests, gaps = [], []
        for seed in range(args.seeds):
            set_seeds(seed)
            model, _, _ = build()
            test = accuracy(model, x_test, y_test)
            tests.append(test)
            gaps.append(test - accuracy(model, x_train, y_train))
        set_seeds(0)
        cheat, _, _ = build()
        cheat.fit(x_test, y_test, epochs=60, verbose=0)
        cheat_test = accuracy(cheat, x_test, y_test)
        cheat_gap = cheat_test - accuracy(cheat, x_train, y_train)
        print(f"== {assignment} ({key}): {args.seeds} semillas")
        print(f"   exactitud en prueba: max {max(tests):.4f} (en el código {REFERENCE_BEST[key]})")
        print(f"   prueba - entrenamiento: max {max(gaps):.4f} (en el código {REFERENCE_GAP[key]})")
        print(
            f"   entrenado con prueba (60 épocas): exactitud {cheat_test:.4f}, diferencia "
            f"{cheat_gap:.4f}"
        )
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.exit(main())
