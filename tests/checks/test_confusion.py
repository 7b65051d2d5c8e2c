"""Unit tests for autograder.checks.confusion and autograder.checks.budget (issue 15).

A tiny model with fixed weights gives known predictions: the grader's confusion
matrix and recalls must be exactly those, and every typical mistake must fail
with its own message. Nothing is trained.
"""

import keras
import numpy as np
import pytest
from conftest import fails

from autograder import (
    IncorrectAnswer,
    check_class_values,
    check_confusion_matrix,
    check_recall,
    model_classes,
)
from autograder.checks.budget import report_training

# One input, one sigmoid output: p = sigmoid(10 * x), so class 1 exactly when x > 0.
X = np.array([[-2.0], [-1.0], [1.0], [1.5], [-3.0], [2.0], [3.0]], dtype="float32")
Y = np.array([0, 0, 0, 0, 1, 1, 1])
# Predicted 0, 0, 1, 1, 0, 1, 1 → matrix [[2, 2], [1, 2]] (not symmetric).
MATRIX = [[2, 2], [1, 2]]


def _model(units: int = 1) -> keras.Sequential:
    model = keras.Sequential([keras.Input(shape=(1,))])
    if units == 1:
        model.add(keras.layers.Dense(1, activation="sigmoid"))
        model.layers[0].set_weights([np.array([[10.0]]), np.array([0.0])])
    else:  # softmax over (-10x, 10x): same classes
        model.add(keras.layers.Dense(2, activation="softmax"))
        model.layers[0].set_weights([np.array([[-10.0, 10.0]]), np.zeros(2)])
    return model


@pytest.mark.parametrize("units", [1, 2])
def test_grader_counts_the_models_own_predictions(units):
    model = _model(units)
    assert model_classes(model, "modelo", X, classes=2).tolist() == [0, 0, 1, 1, 0, 1, 1]
    kwargs = {"model": model, "model_name": "modelo", "x": X, "y": Y}
    check_confusion_matrix(np.array(MATRIX), "matriz", classes=2, total=7, **kwargs)
    check_confusion_matrix(MATRIX, "matriz", classes=2, total=7, **kwargs)  # a list counts too
    check_recall(np.float64(0.5), "sensibilidad", label=0, classes=2, hint="h", **kwargs)
    check_recall(2 / 3, "especificidad", label=1, classes=2, hint="h", **kwargs)


@pytest.mark.parametrize(
    ("value", "fragments"),
    [
        ("[[2, 1], [1, 3]]", ("`matriz` es un texto", "confusion_matrix(y_test, clases_test)")),
        (np.array([2, 1, 1, 3]), ("forma (4,)", "(2, 2)")),
        (np.array([[2.5, 0.5], [1, 3]]), ("enteros y no negativos",)),
        (np.array([[3, 1], [1, 3]]), ("suman 8", "se esperaba 7")),
        (np.array([[3, 1], [1, 2]]), ("es [[3, 1], [1, 2]]", "dan [[2, 2], [1, 2]]")),
    ],
)
def test_wrong_matrices_fail_with_their_message(value, fragments):
    with fails(IncorrectAnswer, *fragments):
        check_confusion_matrix(
            value, "matriz", classes=2, total=7, model=_model(), model_name="modelo", x=X, y=Y
        )


def test_transposed_matrix_gets_its_own_message():
    with fails(IncorrectAnswer, "traspuesta", "confusion_matrix(y_test, clases_test)"):
        check_confusion_matrix(
            np.array(MATRIX).T,
            "matriz",
            classes=2,
            total=7,
            model=_model(),
            model_name="modelo",
            x=X,
            y=Y,
        )


def test_visible_matrix_check_needs_no_model():
    check_confusion_matrix(np.array([[5, 0], [0, 2]]), "matriz", classes=2, total=7)


@pytest.mark.parametrize(
    ("value", "fragments"),
    [
        (np.array([0.5, 0.5]), ("un solo número",)),
        (True, ("un solo número",)),
        ("0.5", ("un solo número",)),
        (2.0, ("vale 2", "entre 0 y 1")),
        (2 / 3, ("vale 0.666667", "se esperaba 0.5", "pista")),  # the specificity instead
    ],
)
def test_wrong_recalls_fail_with_their_message(value, fragments):
    with fails(IncorrectAnswer, *fragments):
        check_recall(
            value,
            "sensibilidad",
            label=0,
            classes=2,
            hint="pista",
            model=_model(),
            model_name="modelo",
            x=X,
            y=Y,
        )


def test_training_report_shows_epochs_batches_and_time(capsys):
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(X, X, epochs=2, batch_size=4, verbose=0)
    report_training(history, 3.0, budget=20, seconds_name="segundos")
    report_training(history, 25.0, budget=20, seconds_name="segundos")
    report_training(history, "mucho", budget=20, seconds_name="segundos")
    report_training({"loss": [1.0]}, 1.0, budget=20, seconds_name="segundos")  # no History
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "⏱️ Entrenaste 2 épocas de 2 lotes cada una en 3,0 s (presupuesto: 20 s)."
    assert lines[1].startswith("⏱️ Entrenaste 2 épocas de 2 lotes cada una en 25,0 s")
    assert "Te pasaste del presupuesto" in lines[1]
    assert "no encuentro el tiempo en `segundos`" in lines[2]
    assert len(lines) == 3


# --- fix-15: the visible checks compare the student's own work, step by step ---------------

PREDICTED = np.array([0, 0, 1, 1, 0, 1, 1])


def test_predicted_classes_must_be_whole_class_numbers():
    model = _model()
    check_class_values(PREDICTED, "clases_test", classes=2, model=model, model_name="m", x=X)
    probabilities = model.predict(X, verbose=0)[:, 0]
    with fails(IncorrectAnswer, "`clases_test` contiene valores como", "no una probabilidad"):
        check_class_values(probabilities, "clases_test", classes=2)
    with fails(IncorrectAnswer, "de 0 a 1"):
        check_class_values(np.array([0, 2, 1]), "clases_test", classes=2)


def test_a_single_class_from_argmax_over_one_sigmoid_column_fails():
    model = _model()
    argmax = np.argmax(model.predict(X, verbose=0), axis=1)  # always 0
    with fails(IncorrectAnswer, "solo contiene la clase 0", "`argmax` con una sola neurona"):
        check_class_values(argmax, "clases_test", classes=2, model=model, model_name="m", x=X)
    # A model that really predicts one class only: a single class is then right.
    constant = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1, "sigmoid")])
    constant.layers[0].set_weights([np.array([[0.0]]), np.array([-5.0])])
    check_class_values(np.zeros(7), "clases_test", classes=2, model=constant, x=X)


def test_matrix_is_checked_against_the_students_own_classes():
    own = {"y": Y, "predicted": PREDICTED, "predicted_name": "clases_test"}
    check_confusion_matrix(np.array(MATRIX), "matriz", classes=2, total=7, **own)
    with fails(IncorrectAnswer, "traspuesta"):
        check_confusion_matrix(np.array(MATRIX).T, "matriz", classes=2, total=7, **own)
    with fails(IncorrectAnswer, "frente a `clases_test` es [[2, 2], [1, 2]]"):
        check_confusion_matrix(np.array([[3, 1], [1, 2]]), "matriz", classes=2, total=7, **own)


@pytest.mark.parametrize(
    ("name", "label", "value"),
    # With this matrix, a swapped recall and a recall computed per column give the same
    # wrong value: 2/3 for the sensitivity, 1/2 for the specificity.
    [("sensibilidad", 0, 2 / 3), ("especificidad", 1, 0.5)],
)
def test_recalls_are_checked_against_the_students_own_matrix(name, label, value):
    matrix = np.array([[2, 2], [1, 2]])  # sensitivity 0.5, specificity 2/3
    right = 0.5 if label == 0 else 2 / 3
    check_recall(right, name, label=label, classes=2, hint="pista", matrix=matrix)
    with fails(IncorrectAnswer, f"`{name}` vale", "no sale de los números de `matriz`", "pista"):
        check_recall(value, name, label=label, classes=2, hint="pista", matrix=matrix)
