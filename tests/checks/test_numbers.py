"""Unit tests of check_number and check_probabilities: verdict and Spanish message."""

import numpy as np
import pytest
from conftest import fails

from autograder import IncorrectAnswer, check_number, check_probabilities

# --- check_number ----------------------------------------------------------


@pytest.mark.parametrize(
    "value", [2.5, 2.5000000001, np.float64(2.5), np.float32(2.5), np.array(2.5)]
)
def test_number_accepts_python_numpy_and_0d_values(value):
    check_number(value, "z", 2.5)


def test_number_accepts_0d_tensor():
    tf = pytest.importorskip("tensorflow")
    check_number(tf.constant(1.5), "z", 1.5)


def test_number_rejects_array_with_one_element():
    with fails(
        IncorrectAnswer,
        "❌ Incorrecto",
        "`z` es un `np.ndarray` de forma (1,)",
        "se esperaba un solo número",
        "Devuelve",
    ):
        check_number(np.array([2.5]), "z", 2.5)


@pytest.mark.parametrize(
    ("value", "found"), [(None, "`None`"), ([1.0], "una lista"), (True, "booleano")]
)
def test_number_rejects_non_numbers(value, found):
    with fails(IncorrectAnswer, "❌ Incorrecto", found, "se esperaba un solo número"):
        check_number(value, "z")


def test_number_custom_hint():
    with fails(IncorrectAnswer, "❌ Incorrecto", "Usa np.dot"):
        check_number([1, 2], "z", hint="Usa np.dot")


def test_number_wrong_value_says_found_and_expected():
    with fails(
        IncorrectAnswer, "❌ Incorrecto", "`z` vale 3; se esperaba 2.5", "Relee el enunciado"
    ):
        check_number(3, "z", 2.5)


def test_number_not_finite():
    with fails(IncorrectAnswer, "❌ Incorrecto", "`z` vale nan", "número finito"):
        check_number(float("nan"), "z")


def test_integer_required():
    check_number(np.int64(2), "clase", 2, integer=True)
    with fails(
        IncorrectAnswer,
        "❌ Incorrecto",
        "`clase` es el decimal `2.0` (de tipo `float`); se esperaba un número entero",
        "np.argmax",
    ):
        check_number(2.0, "clase", 2, integer=True)


# --- check_probabilities ---------------------------------------------------


def test_probabilities_accept_rows_summing_to_one():
    check_probabilities(np.array([[0.2, 0.8], [0.5, 0.5]]), "p", shape=(2, 2))
    check_probabilities(np.array([0.1, 0.2, 0.7], dtype=np.float32), "p", expected=[0.1, 0.2, 0.7])


def test_probabilities_vector_not_summing_to_one():
    with fails(
        IncorrectAnswer, "❌ Incorrecto", "Los valores de `p` suman 0.9", "deben sumar 1", "axis=-1"
    ):
        check_probabilities(np.array([0.2, 0.7]), "p")


def test_probabilities_row_not_summing_to_one():
    with fails(IncorrectAnswer, "❌ Incorrecto", "La fila 1 de `p` suma 2", "cada fila"):
        check_probabilities(np.array([[0.5, 0.5], [1.0, 1.0]]), "p")


def test_probabilities_3d_reports_position():
    probs = np.full((2, 2, 2), 0.5)
    probs[1, 0] = [0.1, 0.1]
    with fails(IncorrectAnswer, "❌ Incorrecto", "La fila (1, 0) de `p` suma 0.2"):
        check_probabilities(probs, "p")


def test_probabilities_nan_reported_before_sums():
    with fails(
        IncorrectAnswer,
        "❌ Incorrecto",
        "`p` contiene valores `nan` o `inf` (por ejemplo en la posición (0,))",
        "Revisa",
    ):
        check_probabilities(np.array([np.nan, 1.0]), "p")


def test_probabilities_custom_finite_hint():
    with fails(IncorrectAnswer, "❌ Incorrecto", "posición (1, 0)", "Resta el máximo"):
        check_probabilities(
            np.array([[0.5, 0.5], [np.inf, 0.0]]), "p", hints={"finite": "Resta el máximo"}
        )


def test_probabilities_out_of_range():
    with fails(
        IncorrectAnswer, "❌ Incorrecto", "Los valores de `p` van de -0.5 a 1.5", "entre 0 y 1"
    ):
        check_probabilities(np.array([-0.5, 1.5]), "p")


def test_probabilities_wrong_shape_and_custom_sum_hint():
    with fails(IncorrectAnswer, "❌ Incorrecto", "`p` tiene forma (2,); se esperaba (1, 2)"):
        check_probabilities(np.array([0.5, 0.5]), "p", shape=(1, 2))
    with fails(IncorrectAnswer, "❌ Incorrecto", "¿eje?"):
        check_probabilities(np.array([[0.5, 0.1]]), "p", hints={"sum": "¿eje?"})


def test_probabilities_wrong_values():
    with fails(IncorrectAnswer, "❌ Incorrecto", "en la posición (0,) hay 0.5 y se esperaba 0.4"):
        check_probabilities(np.array([0.5, 0.5]), "p", expected=[0.4, 0.6])


def test_probabilities_reject_list():
    with fails(IncorrectAnswer, "❌ Incorrecto", "`p` es una lista"):
        check_probabilities([0.5, 0.5], "p")


def test_number_alternatives_also_count():
    check_number(0.0, "neurona(x, w, b)", 0.25, alternatives=(0.0,))
    with fails(IncorrectAnswer, "❌ Incorrecto", "`neurona(x, w, b)` vale 1; se esperaba 0.25"):
        check_number(1.0, "neurona(x, w, b)", 0.25, alternatives=(0.0,))
