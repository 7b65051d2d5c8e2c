"""Grade forgeries A10 and A11: in grader mode, no expected value and no tolerance comes
from the student's variables or functions.

Test cells are run in grader mode against a student namespace served in-process by the
real student side (:func:`autograder.checks.serve.handle`) and decoded by the real codec,
as the grader does with the student's kernel. A10: ``del y_train`` after the data cells
made the compile check accept either crossentropy. A11: ``neurona_relu`` accepted the ReLU
of the student's own ``suma_ponderada``, which a stateful ``suma_ponderada`` could forge.
"""

import json
from contextlib import contextmanager

import nbformat
import numpy as np
import pytest
from conftest import REPO, fails

from autograder import IncorrectAnswer
from autograder.checks import serve
from autograder.checks.answers import grader_mode, optional_answer
from autograder.checks.compiled import check_compiled, check_metric

keras = pytest.importorskip("keras")
layers = keras.layers


class InProcessChannel:
    """A ``KernelChannel`` stand-in: requests go to ``serve.handle`` over ``namespace``."""

    def __init__(self, namespace: dict):
        self.namespace = namespace
        self.cache: dict[str, object] = {}
        self.student_error = ""

    def request(self, payload: dict) -> dict:
        reply = serve.handle(json.dumps(payload))
        return json.loads(reply.text)


@contextmanager
def graded(namespace: dict, monkeypatch):
    """Within the block, answers come from ``namespace`` as in grader mode."""
    monkeypatch.setattr(serve, "_user_namespace", lambda: namespace)
    with grader_mode(InProcessChannel(namespace)):
        yield


def grade_cell(assignment: str, grade_id: str) -> str:
    """The source test cell, hidden tests included (their markers are comments)."""
    nb = nbformat.read(REPO / "source" / assignment / f"{assignment}.ipynb", 4)
    return next(
        c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id
    )


def run_cell(assignment: str, grade_id: str, namespace: dict, monkeypatch) -> None:
    """Run the grade cell in grader mode against the student's ``namespace``."""
    with graded(namespace, monkeypatch):
        exec(compile(grade_cell(assignment, grade_id), grade_id, "exec"), {})


# --- A10: 04 compilado_perdida / compilado_metrica ----------------------------------------


def digits_model(loss, metrics=("accuracy",)):
    model = keras.Sequential(
        [
            keras.Input(shape=(64,)),
            layers.Dense(32, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss=loss, metrics=list(metrics))
    return model


INTEGER_LABELS = np.arange(20) % 10
ONEHOT_LABELS = np.eye(10, dtype="float32")[INTEGER_LABELS]


def test_a10_deleted_y_train_does_not_accept_categorical_loss(monkeypatch):
    """The attack: categorical crossentropy with integer labels, then ``del y_train``."""
    student = {"model": digits_model("categorical_crossentropy")}
    with fails(IncorrectAnswer, "`categorical_crossentropy`", "son enteros"):
        run_cell("04_modelo_secuencial", "compilado_perdida", student, monkeypatch)
    student["y_train"] = INTEGER_LABELS  # the control: the same mistake without the del
    with fails(IncorrectAnswer, "`categorical_crossentropy`", "son enteros"):
        run_cell("04_modelo_secuencial", "compilado_perdida", student, monkeypatch)


def test_a10_deleted_y_train_does_not_accept_categorical_metric(monkeypatch):
    student = {"model": digits_model("sparse_categorical_crossentropy", ["categorical_accuracy"])}
    with fails(IncorrectAnswer, "`categorical_accuracy`"):
        run_cell("04_modelo_secuencial", "compilado_metrica", student, monkeypatch)


@pytest.mark.parametrize(
    "loss, labels",
    [
        ("sparse_categorical_crossentropy", INTEGER_LABELS),
        ("sparse_categorical_crossentropy", None),  # y_train deleted: integer labels still fit
        (keras.losses.SparseCategoricalCrossentropy(), INTEGER_LABELS),
        (keras.losses.SparseCategoricalCrossentropy(), None),
        ("categorical_crossentropy", ONEHOT_LABELS),
        (keras.losses.CategoricalCrossentropy(), ONEHOT_LABELS),
    ],
)
def test_a10_honest_compiles_pass(monkeypatch, loss, labels):
    student = {"model": digits_model(loss)}
    if labels is not None:
        student["y_train"] = labels
    run_cell("04_modelo_secuencial", "compilado_perdida", student, monkeypatch)
    run_cell("04_modelo_secuencial", "compilado_metrica", student, monkeypatch)


@pytest.mark.parametrize(
    "labels", [None, "no son etiquetas", np.zeros((20, 3)), keras.Sequential()]
)
def test_a10_missing_or_odd_labels_never_relax(monkeypatch, labels):
    """Whatever the student leaves in ``y_train``, exactly one crossentropy fits."""
    student = {"model": digits_model("categorical_crossentropy", ["categorical_accuracy"])}
    if labels is not None:
        student["y_train"] = labels
    with graded(student, monkeypatch):
        fetched = optional_answer("y_train")
        with fails(IncorrectAnswer, "no encuentro tus etiquetas de entrenamiento en formato"):
            check_compiled(student["model"], "model", classes=10, labels=fetched)
        with fails(IncorrectAnswer, "`categorical_accuracy`"):
            check_metric(student["model"], "model", classes=10, labels=fetched)


def test_unstated_labels_accept_either_crossentropy():
    """05 and 06 state no labels on purpose: the student picks the format at ``fit``
    (samples/*/alternativo one-hot encodes after compiling). That is fixed by the test
    cell; no student value can reach it."""
    for loss in ("sparse_categorical_crossentropy", "categorical_crossentropy"):
        check_compiled(digits_model(loss), "model", classes=10)


# --- A11: 02 neurona_relu and the other cells that called student functions --------------


def correct_02() -> dict:
    def suma_ponderada(x, w, b):
        return np.dot(x, w) + b

    def neurona(x, w, b):
        return np.maximum(0.0, suma_ponderada(x, w, b))

    def capa_densa(X, W, b):
        return np.maximum(0.0, X @ W + b)

    return {"suma_ponderada": suma_ponderada, "neurona": neurona, "capa_densa": capa_densa}


def test_a11_stateful_suma_ponderada_does_not_rescue_neurona(monkeypatch):
    """The attack: ``neurona`` returns 0; ``suma_ponderada`` returns -1 right after it."""
    last = []

    def suma_ponderada(x, w, b):
        key = (np.asarray(x, float).tobytes(), np.asarray(w, float).tobytes(), float(b))
        if last and last[-1] == key:
            last.clear()
            return -1.0
        return np.dot(x, w) + b

    def neurona(x, w, b):
        last.append((np.asarray(x, float).tobytes(), np.asarray(w, float).tobytes(), float(b)))
        return 0.0

    student = {"suma_ponderada": suma_ponderada, "neurona": neurona}
    with fails(IncorrectAnswer, "neurona(x, w, 0.0) con z = 3.25"):
        run_cell("02_neurona", "neurona_relu", student, monkeypatch)
    run_cell("02_neurona", "suma_ponderada_pesos", student, monkeypatch)  # its own cell passes


def test_neurona_calling_a_bias_less_suma_ponderada_loses_only_the_bias_cell(monkeypatch):
    student = correct_02()
    student["suma_ponderada"] = lambda x, w, b: np.dot(x, w)
    with fails(IncorrectAnswer, "sesgo"):
        run_cell("02_neurona", "suma_ponderada_sesgo", student, monkeypatch)
    run_cell("02_neurona", "neurona_relu", student, monkeypatch)
    student["neurona"] = lambda x, w, b: 0.0
    with fails(IncorrectAnswer):
        run_cell("02_neurona", "neurona_relu", student, monkeypatch)


def test_capa_densa_bias_expected_value_is_the_graders(monkeypatch):
    """Formerly the expected value was the student's own ``capa_densa`` on ``X @ W + b``:
    a stateful one could repeat on the second call what it returned on the first."""
    memory = []

    def capa_densa(X, W, b):
        if memory:
            return memory.pop()
        out = np.maximum(0.0, X @ W) + b  # bias outside the activation
        if np.array_equal(W, np.eye(len(W))) and not np.any(b):
            memory.append(out := np.full(out.shape, 7.0))
        return out

    student = correct_02() | {"capa_densa": capa_densa}
    with fails(IncorrectAnswer, "con X @ W negativo"):
        run_cell("02_neurona", "capa_densa_sesgo", student, monkeypatch)
    run_cell("02_neurona", "capa_densa_sesgo", correct_02(), monkeypatch)
    # A layer without activation keeps its bias inside: only capa_densa_valores loses.
    linear = correct_02() | {"capa_densa": lambda X, W, b: X @ W + b}
    run_cell("02_neurona", "capa_densa_sesgo", linear, monkeypatch)


def test_keras_layer_cells_compute_expected_values_in_the_grader(monkeypatch):
    """``dense_salida`` and ``dense_diferencia`` run the student's layer rebuilt in the
    grader and no student function: a ``capa_densa`` that copies the layer on the
    exercise's input cannot make a made-up ``diferencia_maxima`` right."""
    from sklearn.datasets import load_digits

    x = (load_digits().data[:5] / 16.0).astype(np.float32)
    pesos = np.random.default_rng(3).normal(0.0, 0.3, size=(64, 3)).astype(np.float32)
    sesgos = np.array([0.1, -0.2, 0.3], dtype=np.float32)
    capa = layers.Dense(3, activation="relu")
    capa.build((None, 64))  # random weights: set_weights forgotten
    salida = np.asarray(capa(x))

    def copies_the_layer(X, W, b):
        return salida if X.shape == (5, 64) else np.maximum(0.0, X @ W + b)

    student = correct_02() | {
        "capa": capa,
        "salida_keras": salida,
        "capa_densa": copies_the_layer,
        "diferencia_maxima": 0.0,
    }
    run_cell("02_neurona", "dense_salida", student, monkeypatch)
    with fails(IncorrectAnswer, "diferencia_maxima"):
        run_cell("02_neurona", "dense_diferencia", student, monkeypatch)
    honest = float(np.max(np.abs(salida - np.maximum(0.0, x @ pesos + sesgos))))
    student["diferencia_maxima"] = honest
    run_cell("02_neurona", "dense_diferencia", student, monkeypatch)
    # With a capa_densa without activation (graded in exercise 2), its own difference counts.
    student["diferencia_maxima"] = float(np.max(np.abs(salida - (x @ pesos + sesgos))))
    run_cell("02_neurona", "dense_diferencia", student, monkeypatch)


def test_softmax_difference_expected_value_is_the_graders(monkeypatch):
    """03 ``comparar_keras`` took the expected ``diferencia_maxima`` from the student's own
    ``softmax``: a ``softmax`` made to differ by a chosen amount validated any number."""
    scores = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [1.2, 1.2, 3.0], [-0.3, 0.0, 0.3]])
    exp = np.exp(scores)
    reference = exp / exp.sum(axis=-1, keepdims=True)

    def softmax_off_by(amount):
        def softmax(x):
            e = np.exp(x - np.max(x, axis=-1, keepdims=True))
            out = e / e.sum(axis=-1, keepdims=True)
            out.flat[0] += amount
            return out

        return softmax

    student = {"probs_keras": reference, "softmax": softmax_off_by(0.375)}
    student["diferencia_maxima"] = 0.375
    with fails(IncorrectAnswer, "diferencia_maxima"):
        run_cell("03_activaciones", "comparar_keras", student, monkeypatch)
    student["softmax"] = softmax_off_by(0.0)
    student["diferencia_maxima"] = float(np.max(np.abs(reference - reference)))
    run_cell("03_activaciones", "comparar_keras", student, monkeypatch)
    # A softmax over the wrong axis loses its own cells; its difference is still right here.
    student["diferencia_maxima"] = float(np.max(np.abs(exp / exp.sum(axis=0) - reference)))
    run_cell("03_activaciones", "comparar_keras", student, monkeypatch)
