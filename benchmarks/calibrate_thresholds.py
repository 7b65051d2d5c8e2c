"""Calibrate the accuracy thresholds of 05_entrenamiento and 06_proyecto.

Trains each assignment's reference solution over many seeds, measures the
test accuracy and the worst per-class recall the way the grader does (its own
data, its own predictions), and prints the distribution and the threshold:
the worst reference result minus a margin, rounded down to a whole percent.

    python benchmarks/calibrate_thresholds.py            # 20 seeds each
    python benchmarks/calibrate_thresholds.py --seeds 30 --assignment 06_proyecto
"""

import argparse
import math
import os
import statistics
import sys
import time
from functools import partial

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402

from autograder.checks.data import cancer_split, digits_split  # noqa: E402
from autograder.checks.environment import set_seeds  # noqa: E402
from autograder.checks.predictions import predict, predicted_classes  # noqa: E402

MARGIN = 0.02  # below the worst reference run: other CPUs, other library builds
RECALL_MARGIN = 0.10


def train_reference(split, hidden: int, output: tuple[int, str], loss: str, epochs: int):
    """A reference solution as the notebooks write it: Input → Dense ReLU → output layer."""
    import keras
    from keras import layers

    x_train, x_test, y_train, y_test = split()
    model = keras.Sequential(
        [
            keras.Input(shape=(x_train.shape[1],)),
            layers.Dense(hidden, activation="relu"),
            layers.Dense(output[0], activation=output[1]),
        ]
    )
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=epochs, batch_size=32, validation_split=0.2, verbose=0)
    return model, x_test, y_test


# The solution cells of 05_entrenamiento (digits) and 06_proyecto (breast cancer).
REFERENCES = {
    "05_entrenamiento": partial(
        train_reference,
        digits_split,
        32,
        (10, "softmax"),
        "sparse_categorical_crossentropy",
        epochs=20,
    ),
    "06_proyecto": partial(
        train_reference, cancer_split, 16, (1, "sigmoid"), "binary_crossentropy", epochs=30
    ),
}


def measure(build, seed: int, **kwargs) -> tuple[float, float, float]:
    """(accuracy, worst per-class recall, seconds) of one seeded reference run."""
    set_seeds(seed)
    start = time.perf_counter()
    model, x_test, y_test = build(**kwargs)
    seconds = time.perf_counter() - start
    classes = predicted_classes(predict(model, "model", x_test))
    hits = classes == y_test
    recall = min(float(hits[y_test == c].mean()) for c in np.unique(y_test))
    return float(hits.mean()), recall, seconds


def floor_percent(x: float) -> float:
    return math.floor(x * 100) / 100


def summary(values: list[float]) -> str:
    return f"min {min(values):.4f}  mediana {statistics.median(values):.4f}  max {max(values):.4f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--assignment", action="append", choices=sorted(REFERENCES))
    parser.add_argument(
        "--short-epochs", type=int, default=2, help="also report a too-short training (seed 0)"
    )
    args = parser.parse_args(argv)
    for assignment in args.assignment or sorted(REFERENCES):
        build = REFERENCES[assignment]
        runs = [measure(build, seed) for seed in range(args.seeds)]
        accuracy = [r[0] for r in runs]
        recall = [r[1] for r in runs]
        seconds = [r[2] for r in runs]
        short = measure(build, 0, epochs=args.short_epochs)
        print(f"== {assignment}: {args.seeds} semillas (0..{args.seeds - 1})")
        print(f"   exactitud en prueba      {summary(accuracy)}")
        print(f"   peor recall por clase    {summary(recall)}")
        print(f"   tiempo de entrenamiento  {summary(seconds)} s")
        print(f"   con {args.short_epochs} épocas (semilla 0): exactitud {short[0]:.4f}")
        print(
            f"   umbral de exactitud = {floor_percent(min(accuracy) - MARGIN):.2f}  "
            f"(peor {min(accuracy):.4f} - margen {MARGIN})"
        )
        print(
            f"   umbral de recall     = {floor_percent(min(recall) - RECALL_MARGIN):.2f}  "
            f"(peor {min(recall):.4f} - margen {RECALL_MARGIN})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
