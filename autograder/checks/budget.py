"""A training report for the student: epochs, batches and time against a time budget.

Purely informative: it never fails and never changes a verdict. The seconds come
from the student's own notebook (measured around ``fit``), so they are shown, not
trusted; the epochs and batches are read from the ``History`` that ``fit`` returned.
"""

import numbers
import sys

from .messages import message


def _epochs_and_steps(history: object) -> tuple[int | None, int | None]:
    """Epochs recorded and batches per epoch of a ``keras.callbacks.History`` (or ``None``)."""
    import keras

    if not isinstance(history, keras.callbacks.History):
        return None, None
    epochs = len(history.history.get("loss", []))
    params = history.params if isinstance(history.params, dict) else {}
    steps = params.get("steps")
    return epochs, steps if isinstance(steps, int) else None


def _seconds_text(x: float) -> str:
    return f"{x:.1f}".replace(".", ",")


def report_training(history: object, seconds: object, *, budget: float, seconds_name: str) -> None:
    """Print one line: «Entrenaste E épocas de S lotes en T s (presupuesto: B s)», and advice
    when ``seconds`` is over ``budget``. ``seconds`` is the student's measured time (any
    value: a non-number is reported as missing). Writes to stdout only; never raises."""
    epochs, steps = _epochs_and_steps(history)
    if epochs is None:
        return
    # message() strips its result: the optional fragments get their leading space here.
    batches = " " + message("training_batches", steps=steps) if steps else ""
    if isinstance(seconds, numbers.Real) and not isinstance(seconds, bool) and seconds >= 0:
        shown = _seconds_text(float(seconds))
        time = " " + message("training_time", seconds=shown, budget=f"{budget:g}")
        advice = message("training_over_budget") if seconds > budget else ""
    else:
        time = " " + message("training_no_time", seconds_name=seconds_name)
        advice = ""
    line = message("training_report", epochs=epochs, batches=batches, time=time)
    sys.stdout.write(f"{line} {advice}".strip() + "\n")
    sys.stdout.flush()
