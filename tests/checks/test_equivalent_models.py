"""Issue 12, items 7 and 8: equivalent models pass each cell's own check; what a student
reads about a library error or a number's type is one short Spanish line."""

import warnings

import numpy as np
import pytest
from conftest import fails

from autograder import IncorrectAnswer, StudentCodeError
from autograder.checks.architecture import (
    check_hidden_activations,
    check_input,
    check_layers,
    check_output,
    check_output_shapes,
    check_parameters,
    check_sequential,
)
from autograder.checks.arrays import check_array
from autograder.checks.compiled import check_compiled, check_metric
from autograder.checks.numbers import check_number, check_probabilities
from autograder.checks.predictions import (
    check_predicts_probabilities,
    check_probability_rows,
    predict,
)

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")
layers = keras.layers


def compiled(model):
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def flatten_then_activation():
    """The issue's 05 model: Flatten(input_shape=...) first, softmax as its own layer."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # input_shape= on a layer warns
        return keras.Sequential(
            [
                layers.Flatten(input_shape=(64,)),
                layers.Dense(32, "relu"),
                layers.Dense(10),
                layers.Activation("softmax"),
            ]
        )


def functional():
    inputs = keras.Input(shape=(64,))
    hidden = layers.Dense(32, activation="relu")(inputs)
    return keras.Model(inputs, layers.Dense(10, activation="softmax")(hidden))


def every_model_check(model):
    check_layers(model, "model", [32, 10])
    check_input(model, "model", 64)
    check_output_shapes(model, "model", 64)
    check_parameters(model, "model", 64, total=2410)
    check_hidden_activations(model, "model")
    check_output(model, "model", 10)
    check_predicts_probabilities(model, "model", 64, 10)
    check_compiled(model, "model", classes=10, labels=np.zeros(4, dtype=int))
    check_metric(model, "model", classes=10)


@pytest.mark.parametrize(
    "build",
    [
        flatten_then_activation,
        lambda: keras.Sequential(
            [
                keras.Input(shape=(64,)),
                layers.Dense(32, activation="relu"),
                layers.Dropout(0.2),
                layers.Dense(10, activation="softmax"),
            ]
        ),
    ],
    ids=["flatten_y_activation", "dropout"],
)
def test_layers_that_change_nothing_are_accepted(build):
    model = compiled(build())
    check_sequential(model, "model")
    every_model_check(model)


def test_flatten_of_images_is_still_a_foreign_layer():
    model = keras.Sequential([keras.Input(shape=(8, 8)), layers.Flatten(), layers.Dense(10)])
    with fails(IncorrectAnswer, "La capa 1 (`Flatten`) no es una capa densa"):
        check_sequential(model, "model")


def test_functional_chain_loses_only_the_sequential_check():
    model = compiled(functional())
    with fails(IncorrectAnswer, "se esperaba un modelo `keras.Sequential`"):
        check_sequential(model, "model")
    every_model_check(model)


def test_branching_functional_model_is_not_a_chain():
    inputs = keras.Input(shape=(64,))
    a = layers.Dense(32, activation="relu")(inputs)
    b = layers.Dense(32, activation="relu")(inputs)
    model = keras.Model(inputs, layers.Dense(10, activation="softmax")(layers.Add()([a, b])))
    with fails(IncorrectAnswer, "se esperaba un modelo `keras.Sequential`"):
        check_layers(model, "model", [32, 10])


def test_wrong_input_width_fails_the_input_check_only():
    model = keras.Sequential(
        [keras.Input(shape=(63,)), layers.Dense(32, "relu"), layers.Dense(10, "softmax")]
    )
    with fails(IncorrectAnswer, "(None, 63)"):
        check_input(model, "model", 64)
    check_output(model, "model", 10)
    check_predicts_probabilities(model, "model", 64, 10)  # fed the width it declares


def test_keras_error_is_one_spanish_line_without_colour_codes():
    model = keras.Sequential(
        [keras.Input(shape=(63,)), layers.Dense(32, "relu"), layers.Dense(10, "softmax")]
    )
    with fails(StudentCodeError, "espera entradas") as info:
        predict(model, "model", np.zeros((3, 64)))
    text = str(info.value)
    assert "\x1b[" not in text and "\n" not in text
    assert "`model` espera entradas de 63 valores y recibió 64" in text
    assert "Exception encountered" not in text and "Arguments received" not in text


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64"])
def test_probabilities_in_another_dtype_pass(dtype):
    logits = np.random.default_rng(0).normal(size=(16, 10))
    probs = tf.nn.softmax(tf.constant(logits, dtype=dtype)).numpy()
    check_probability_rows(np.asarray(probs), "model", 10)
    if dtype != "bfloat16":  # NumPy has no bfloat16 arithmetic
        check_probabilities(np.asarray(probs), "p", shape=(16, 10))


def test_float16_model_passes_the_probability_check():
    model = keras.Sequential(
        [
            keras.Input(shape=(64,)),
            layers.Dense(32, "relu", dtype="float16"),
            layers.Dense(10, "softmax", dtype="float16"),
        ]
    )
    check_predicts_probabilities(model, "model", 64, 10)


def test_rows_that_do_not_sum_to_one_still_fail_in_float16():
    probs = np.full((4, 10), 0.12, dtype="float16")
    with fails(IncorrectAnswer, "no son probabilidades"):
        check_probability_rows(probs, "model", 10)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1.0, "`1.0` (de tipo `float`)"),
        (np.float64(1.0), "`1.0` (de tipo `float64`)"),
        (np.array(2.0), "`2.0` (de tipo `float64`)"),
    ],
)
def test_float_class_index_is_named_a_float(value, shown):
    with fails(IncorrectAnswer, shown) as info:
        check_number(value, "clase", 1, integer=True)
    text = str(info.value)
    assert "se esperaba un número entero" in text and "vale 1;" not in text


def test_dtype_hint_keeps_its_space():
    tensor = tf.constant([1, 2])
    with fails(IncorrectAnswer, "o `tf.cast") as info:
        check_array(tensor, "t", kind="tensor", dtype="float32")
    text = str(info.value)
    assert "`.astype(np.float32)` o `tf.cast(..., tf.float32)`" in text


def test_numpy_numbers_are_named_as_numbers():
    with fails(IncorrectAnswer, "np.float32") as info:
        check_array(np.float32(1.0), "x", kind="numpy")
    text = str(info.value)
    assert "un número de NumPy (`np.float32`)" in text and "objeto de tipo" not in text
    with fails(IncorrectAnswer, "número finito"):
        check_number(float("nan"), "clase", integer=True)
