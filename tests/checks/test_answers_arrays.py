"""Unit tests of the checks: each verdict and the Spanish message it gives."""

import numpy as np
import pytest
from conftest import fails

from autograder import (
    IncorrectAnswer,
    NotAttempted,
    StudentCodeError,
    answer,
    call,
    check_array,
    check_equal,
    check_sequence,
    check_values,
)
from autograder.checks.outcomes import install_display

# --- answers -------------------------------------------------------------


def test_undefined_name_is_not_attempted():
    with fails(NotAttempted, "⏳ Sin intentar", "Aún no has definido `x`"):
        answer("x", namespace={})


def test_defined_name_is_returned():
    assert answer("x", namespace={"x": 3}) == 3


def test_stub_raising_not_implemented_is_not_attempted():
    def stub(x):
        raise NotImplementedError()

    with fails(NotAttempted, "`f` todavía lanza `NotImplementedError`"):
        call("f", 1, namespace={"f": stub})


def test_student_exception_is_reported_with_the_call():
    def broken(x):
        return x.reshape(7, 7)

    with fails(
        StudentCodeError,
        "💥 Error en tu código",
        "aplanar(<np.ndarray (2, 3) float64>)",
        "ValueError",
        "cannot reshape",
    ):
        call("aplanar", np.zeros((2, 3)), namespace={"aplanar": broken})


def test_function_that_modifies_its_input_is_incorrect():
    def in_place(x, maximo=16.0):
        x /= maximo
        return x

    with fails(IncorrectAnswer, "modificó su argumento", "x /= ..."):
        call("normalizar", np.ones(3), namespace={"normalizar": in_place})


def test_non_callable_is_incorrect():
    with fails(IncorrectAnswer, "`relu` debería ser una función", "una lista"):
        call("relu", 1, namespace={"relu": [1, 2]})


def test_call_returns_the_result_and_passes_keywords():
    assert call("f", 2, namespace={"f": lambda x, k=1: x * k}, k=5) == 10


# --- arrays, coarse to fine ------------------------------------------------


def test_list_instead_of_array():
    with fails(IncorrectAnswer, "`v` es una lista; se esperaba un array de NumPy", "np.array"):
        check_array([1, 2], "v")


def test_none_mentions_missing_return():
    with fails(IncorrectAnswer, "`None` (¿olvidaste el `return`?)"):
        check_array(None, "resultado")


def test_array_instead_of_tensor():
    with fails(IncorrectAnswer, "se esperaba un tensor de TensorFlow", "tf.constant"):
        check_array(np.zeros(2), "t", kind="tensor")


def test_tensor_accepted_as_tensor_and_array():
    import tensorflow as tf

    t = tf.constant([[1.0, 2.0]])
    check_array(t, "t", kind="tensor", shape=(1, 2), dtype="float32", expected=[[1, 2]])
    check_array(t, "t", kind="array", ndim=2)


def test_wrong_rank_says_found_and_expected():
    with fails(IncorrectAnswer, "`m` tiene 1 dimensiones (`ndim`); se esperaban 2"):
        check_array(np.zeros(4), "m", ndim=2)


def test_wrong_shape_uses_the_exercise_hint():
    hint = "¿Olvidaste aplanar con `reshape`?"
    with fails(IncorrectAnswer, "`x` tiene forma (1797, 8, 8); se esperaba (1797, 64).", hint):
        check_array(np.zeros((1797, 8, 8)), "x", shape=(1797, 64), hints={"shape": hint})


def test_shape_with_free_axis():
    check_array(np.zeros((5, 3)), "x", shape=(None, 3))
    with fails(IncorrectAnswer, "se esperaba ('n', 4)"):
        check_array(np.zeros((5, 3)), "x", shape=(None, 4))


def test_wrong_dtype_suggests_astype():
    with fails(
        IncorrectAnswer, "es de tipo `float64`; se esperaba `float32`", ".astype(np.float32)"
    ):
        check_array(np.zeros(2), "x", dtype="float32")


def test_wrong_tensor_dtype_suggests_cast():
    import tensorflow as tf

    with fails(IncorrectAnswer, "tf.cast(..., tf.float32)"):
        check_array(tf.constant([1, 2]), "t", kind="tensor", dtype="float32")


def test_nan_is_reported_before_range():
    with fails(IncorrectAnswer, "contiene valores `nan` o `inf`", "posición (1,)"):
        check_array(np.array([0.5, np.nan]), "p", value_range=(0, 1))


def test_out_of_range_reports_min_and_max():
    with fails(IncorrectAnswer, "van de 0 a 16; se esperaban valores entre 0 y 1"):
        check_array(np.array([0.0, 16.0]), "x", value_range=(0, 1))


def test_wrong_values_report_first_position():
    with fails(IncorrectAnswer, "en la posición (1, 0) hay 5 y se esperaba 4"):
        check_array(np.array([[1, 2], [5, 4]]), "m", expected=[[1, 2], [4, 4]])


def test_values_within_tolerance_pass():
    check_array(np.float32([1 / 3]), "x", expected=[1 / 3], rtol=1e-6)
    check_values(np.float32([1 / 3]), "x", [1 / 3], rtol=1e-6)


def test_checks_stop_at_the_first_failure():
    # wrong shape AND wrong dtype: only the shape (coarser) is reported
    with fails(IncorrectAnswer, "tiene forma") as info:
        check_array(np.zeros((2, 2)), "x", shape=(4,), dtype="float32")
    assert "tipo" not in str(info.value)


def test_passing_check_returns_nothing():
    # nbgrader would read a returned number at the end of a cell as partial credit
    assert check_array(np.ones(2), "x", shape=(2,)) is None


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="kind must be one of"):
        check_array(np.ones(2), "x", kind="matrix")


# --- plain values -----------------------------------------------------------


def test_sequence_of_wrong_length():
    with fails(IncorrectAnswer, "es una lista de 2 elementos; se esperaba una tupla de 3"):
        check_sequence([1, 2], "describir(t)", 3)


def test_sequence_returns_a_tuple():
    assert check_sequence([1, (2,), "x"], "r", 3) == (1, (2,), "x")


def test_equal_compares_and_explains():
    check_equal((2, (2, 3), "float64"), (2, (2, 3), "float64"), "r")
    with fails(IncorrectAnswer, "`r` vale 'int'; se esperaba 'int64'"):
        check_equal("int", "int64", "r")


def test_equal_with_an_array_does_not_crash():
    with fails(IncorrectAnswer, "se esperaba (2, 3)"):
        check_equal(np.array([2, 3]), (2, 3), "forma")


def test_display_is_not_installed_outside_ipython():
    assert install_display() is False
