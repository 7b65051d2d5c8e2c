"""The notebook environment: quiet TensorFlow, fixed seeds, clean messages."""

import contextlib
import logging
import os
import random
import sys
import warnings
from collections.abc import Iterator

import numpy as np

from .messages import PASSED
from .outcomes import install_display

# TensorFlow writes start-up noise to stderr; in a grade cell any stderr
# output scores 0, so both variables are set before TensorFlow is imported.
QUIET_TF = {"TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0"}


def quiet_tensorflow() -> None:
    """Silence TensorFlow's C++ logs in this process and its children, and its
    Python warnings (e.g. «tf.function retracing» after several predict calls)."""
    for key, value in QUIET_TF.items():
        os.environ.setdefault(key, value)
    logging.getLogger("tensorflow").setLevel(logging.ERROR)


def set_seeds(seed: int = 0, *, keras: bool = True) -> None:
    """Fix the seeds of Python, NumPy and (if asked) Keras/TensorFlow."""
    random.seed(seed)
    np.random.seed(seed)
    if keras:
        import keras as keras_module

        keras_module.utils.set_random_seed(seed)


def setup_notebook(seed: int = 0, *, keras: bool = True) -> None:
    """Prepare a course notebook: call it in the first code cell."""
    quiet_tensorflow()
    set_seeds(seed, keras=keras)
    install_display()


def passed(what: str = "") -> None:
    """Tell the student a check passed."""
    # One write: print() writes the newline separately, and the kernel may
    # flush in between, splitting the line into two outputs at random.
    sys.stdout.write(PASSED.format(what=what).strip() + "\n")
    sys.stdout.flush()


@contextlib.contextmanager
def quiet_keras() -> Iterator[None]:
    """Silence Python warnings and TensorFlow's Python logger (e.g. «triggered tf.function
    retracing» after several ``predict`` calls): in a test cell any stderr output scores 0."""
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)
