"""Unit tests for autograder.models, autograder.training and autograder.data.

Every equivalent way of writing the course's model must pass; every typical
mistake must fail with the message that names the layer and the fault.
Models are tiny and built in-process; nothing is trained.
"""

import warnings

import numpy as np
import pytest
from conftest import fails

from autograder import IncorrectAnswer, call
from autograder.checks.architecture import (
    activation_name,
    check_hidden_activations,
    check_input,
    check_layers,
    check_min_hidden,
    check_output,
    check_output_shapes,
    check_parameters,
    check_sequential,
)
from autograder.checks.compiled import UNSTATED, check_compiled, loss_name
from autograder.checks.data import (
    cancer_split,
    check_data_shapes,
    check_scaled,
    check_split_labels,
    check_split_rows,
    digits_split,
    sparse_labels,
)
from autograder.checks.predictions import (
    check_model,
    check_predicts_probabilities,
    check_probability_rows,
)
from autograder.checks.training import (
    check_accuracy,
    check_class_recall,
    check_evaluation,
    check_history,
    check_learning_curves,
    model_accuracy,
    synthetic_history,
)

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")
layers = keras.layers

SPEC = {"features": 64, "units": [32, 10], "classes": 10, "total": 2410}
SPARSE = np.zeros(8, dtype=int)
ONEHOT = np.eye(10)[np.arange(8) % 10]


def reference():
    return keras.Sequential(
        [
            keras.Input(shape=(64,)),
            layers.Dense(32, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    )


def compiled(model, loss="sparse_categorical_crossentropy", metrics=("accuracy",), **kw):
    model.compile(optimizer="adam", loss=loss, metrics=list(metrics), **kw)
    return model


# --- equivalent forms ---------------------------------------------------------------------


def form_strings():
    return compiled(reference())


def form_add_layers():
    model = keras.Sequential()
    model.add(keras.Input(shape=(64,)))
    model.add(layers.Dense(32))
    model.add(layers.ReLU())
    model.add(layers.Dense(10))
    model.add(layers.Activation("softmax"))
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.01),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )
    return model


def form_input_shape_tf():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = keras.Sequential(
            [
                layers.Dense(32, activation=tf.nn.relu, input_shape=(64,)),
                layers.Dense(10, activation=tf.nn.softmax),
            ]
        )
    model.compile(optimizer="sgd", loss=keras.losses.categorical_crossentropy, metrics=["acc"])
    return model


def form_functions_built():
    model = keras.Sequential(
        [layers.Dense(32, activation=keras.activations.relu), layers.Dense(10), layers.Softmax()]
    )
    model.build((None, 64))
    model.compile(
        optimizer=keras.optimizers.SGD(), loss="CategoricalCrossentropy", metrics=["accuracy"]
    )
    return model


FORMS = {
    "strings": (form_strings, SPARSE),
    "add_relu_activation_objects": (form_add_layers, SPARSE),
    "input_shape_tf_nn_onehot": (form_input_shape_tf, ONEHOT),
    "keras_functions_softmax_layer_built": (form_functions_built, ONEHOT),
}


@pytest.mark.parametrize("form", FORMS)
def test_equivalent_forms_pass(form):
    build, labels = FORMS[form]
    model = build()
    check_model(model, "model", **SPEC)
    check_compiled(model, "model", classes=10, labels=labels)


def test_activation_names():
    assert activation_name(tf.nn.softmax) == "softmax"  # __name__ is softmax_v2
    assert activation_name(tf.nn.relu) == "relu"
    assert activation_name(keras.activations.relu) == "relu"
    assert activation_name(None) == "linear"
    assert activation_name({"class_name": "function", "config": "softmax_v2"}) == "softmax"
    assert activation_name(layers.ReLU()) == "relu"
    assert activation_name(layers.ReLU(max_value=6.0)) != "relu"


def test_loss_names():
    assert loss_name("sparse_categorical_crossentropy") == (
        "sparse_categorical_crossentropy",
        False,
    )
    assert loss_name("SparseCategoricalCrossentropy")[0] == "sparse_categorical_crossentropy"
    assert loss_name(keras.losses.BinaryCrossentropy(from_logits=True)) == (
        "binary_crossentropy",
        True,
    )
    assert loss_name(keras.losses.categorical_crossentropy)[0] == "categorical_crossentropy"


# --- architecture mistakes ----------------------------------------------------------------


def test_checks_return_nothing():
    # A value left at the end of a test cell is read by nbgrader as partial credit.
    model = form_strings()
    assert check_sequential(model, "model") is None
    assert check_layers(model, "model", [32, 10]) is None
    assert check_parameters(model, "model", 64, total=2410) is None
    assert check_output(model, "model", 10) is None
    assert check_compiled(model, "model", classes=10) is None


def test_not_sequential():
    with fails(IncorrectAnswer, "`model` es `None`"):
        check_sequential(None, "model")
    with fails(IncorrectAnswer, "faltan los paréntesis"):
        check_sequential(keras.Sequential, "model")
    inputs = keras.Input(shape=(64,))
    functional = keras.Model(inputs, layers.Dense(10)(inputs))
    with fails(IncorrectAnswer, "se esperaba un modelo `keras.Sequential`"):
        check_sequential(functional, "model")


def test_foreign_layer_and_activation_first():
    model = keras.Sequential([keras.Input(shape=(8, 8)), layers.Flatten(), layers.Dense(10)])
    with fails(IncorrectAnswer, "La capa 1 (`Flatten`) no es una capa densa"):
        check_sequential(model, "model")
    model = keras.Sequential([keras.Input(shape=(64,)), layers.ReLU(), layers.Dense(10)])
    with fails(IncorrectAnswer, "La capa 1 (`ReLU`) es una activación"):
        check_sequential(model, "model")
    with fails(IncorrectAnswer, "no tiene ninguna capa densa"):
        check_sequential(keras.Sequential(), "model")


def test_wrong_units():
    model = keras.Sequential(
        [keras.Input(shape=(64,)), layers.Dense(16, activation="relu"), layers.Dense(10)]
    )
    with fails(
        IncorrectAnswer, "La capa 1 (`Dense`) tiene 16 neuronas (`units`); se esperaban 32."
    ):
        check_layers(model, "model", [32, 10])


def test_missing_hidden_layer():
    model = keras.Sequential([keras.Input(shape=(64,)), layers.Dense(10, activation="softmax")])
    with fails(IncorrectAnswer, "tiene 1 capa(s) `Dense`") as info:
        check_layers(model, "model", [32, 10])
    text = str(info.value)
    assert "Falta la capa oculta" in text
    with fails(IncorrectAnswer, "no tiene capas ocultas"):
        check_min_hidden(model, "model")
    with fails(IncorrectAnswer, "no tiene capas ocultas"):
        check_hidden_activations(model, "model")


def test_extra_layer():
    model = keras.Sequential(
        [keras.Input(shape=(64,)), layers.Dense(32), layers.Dense(32), layers.Dense(10)]
    )
    with fails(IncorrectAnswer, "Quita las capas `Dense` que sobran"):
        check_layers(model, "model", [32, 10])


def test_input_missing_and_wrong():
    model = keras.Sequential([layers.Dense(32, activation="relu"), layers.Dense(10)])
    with fails(IncorrectAnswer, "aún no conoce la forma de su entrada"):
        check_input(model, "model", 64)
    model = keras.Sequential([keras.Input(shape=(8, 8)), layers.Dense(32), layers.Dense(10)])
    with fails(
        IncorrectAnswer, "La entrada de `model` tiene forma (None, 8, 8); se esperaba (None, 64)"
    ):
        check_input(model, "model", 64)
    model = keras.Sequential([keras.Input(shape=(63,)), layers.Dense(32), layers.Dense(10)])
    with fails(IncorrectAnswer, "tiene forma (None, 63)"):
        check_input(model, "model", 64)


def test_output_shapes_and_parameters():
    check_output_shapes(reference(), "model", 64)
    check_parameters(reference(), "model", 64, total=2410)
    no_bias = keras.Sequential(
        [keras.Input(shape=(64,)), layers.Dense(32, use_bias=False), layers.Dense(10)]
    )
    with fails(IncorrectAnswer, "La capa 1 (`Dense`) tiene 2048 parámetros; se esperaban 2080"):
        check_parameters(no_bias, "model", 64)
    wide = keras.Sequential([keras.Input(shape=(64,)), layers.Dense(64), layers.Dense(10)])
    with fails(IncorrectAnswer, "tiene 4810 parámetros en total"):
        check_parameters(wide, "model", 64, total=2410)
    with fails(IncorrectAnswer, "el límite es 1000"):
        check_parameters(wide, "model", 64, budget=1000)


def test_hidden_activation():
    model = keras.Sequential(
        [keras.Input(shape=(64,)), layers.Dense(32, activation="tanh"), layers.Dense(10)]
    )
    with fails(
        IncorrectAnswer,
        "La capa 1 (`Dense`) usa la activación `tanh`; las capas ocultas deben usar `relu`",
    ):
        check_hidden_activations(model, "model")
    model = keras.Sequential([keras.Input(shape=(64,)), layers.Dense(32), layers.Dense(10)])
    with fails(IncorrectAnswer, "usa la activación `linear`"):
        check_hidden_activations(model, "model")


def test_sigmoid_output():
    model = keras.Sequential(
        [
            keras.Input(shape=(64,)),
            layers.Dense(32, activation="relu"),
            layers.Dense(10, activation="sigmoid"),
        ]
    )
    with fails(
        IncorrectAnswer,
        "La capa 2 (`Dense`) usa la activación `sigmoid`; "
        "para clasificar 10 clases la salida debe ser `softmax`",
    ):
        check_output(model, "model", 10)
    model = keras.Sequential(
        [keras.Input(shape=(64,)), layers.Dense(32), layers.Dense(10), layers.Activation("sigmoid")]
    )
    with fails(IncorrectAnswer, "La capa 3 (`Activation`) usa la activación"):
        check_output(model, "model", 10)
    model = keras.Sequential(
        [keras.Input(shape=(64,)), layers.Dense(10, activation="relu"), layers.Softmax()]
    )
    with fails(IncorrectAnswer, "usa la activación `relu → softmax`"):
        check_output(model, "model", 10)


def test_output_units_and_binary():
    model = keras.Sequential([keras.Input(shape=(64,)), layers.Dense(5, activation="softmax")])
    with fails(IncorrectAnswer, "tiene 5 neuronas; para clasificar 10 clases"):
        check_output(model, "model", 10)
    for units, act in [(1, "sigmoid"), (2, "softmax")]:
        ok = keras.Sequential([keras.Input(shape=(30,)), layers.Dense(units, activation=act)])
        check_output(ok, "modelo", 2)
        check_predicts_probabilities(ok, "modelo", 30, 2)
    bad = keras.Sequential([keras.Input(shape=(30,)), layers.Dense(1, activation="softmax")])
    with fails(IncorrectAnswer, "para dos clases usa `Dense(1, activation="):
        check_output(bad, "modelo", 2)


def test_probability_rows():
    check_probability_rows(np.full((3, 10), 0.1), "model", 10)
    with fails(IncorrectAnswer, "una fila suma 2"):
        check_probability_rows(np.full((3, 10), 0.2), "model", 10)
    with fails(IncorrectAnswer, "van de 1.5 a 1.5"):
        check_probability_rows(np.full((3, 1), 1.5), "modelo", 2)
    with fails(IncorrectAnswer, "devuelve forma (3, 4)"):
        check_probability_rows(np.full((3, 4), 0.25), "model", 10)
    # A model whose output activation is not named softmax but is not a probability either.
    model = keras.Sequential([keras.Input(shape=(64,)), layers.Dense(10, activation="sigmoid")])
    with fails(IncorrectAnswer, "no son probabilidades"):
        check_predicts_probabilities(model, "model", 64, 10)
    # A wrong input width is the input check's failure (issue 12): this one feeds the
    # width the model declares; predict()'s error message: test_equivalent_models.py.
    model = keras.Sequential([keras.Input(shape=(63,)), layers.Dense(10, activation="softmax")])
    check_predicts_probabilities(model, "model", 64, 10)


# --- compile mistakes ---------------------------------------------------------------------


def test_not_compiled():
    with fails(IncorrectAnswer, "`model` no está compilado"):
        check_compiled(reference(), "model", classes=10)


@pytest.mark.parametrize(
    "loss, labels, match",
    [
        ("mse", SPARSE, "usa la pérdida `mse`; para clasificar usa una entropía cruzada"),
        (
            "categorical_crossentropy",
            SPARSE,
            "usa la pérdida `categorical_crossentropy`, pero las etiquetas son enteros",
        ),
        (
            keras.losses.SparseCategoricalCrossentropy(),
            ONEHOT,
            "pero las etiquetas están en formato one-hot",
        ),
        (
            "binary_crossentropy",
            UNSTATED,
            "usa la pérdida `binary_crossentropy`, pero hay 10 clases",
        ),
        (
            "categorical_crossentropy",
            None,  # the student's y_train is missing: the data set's integer labels
            "pero las etiquetas del conjunto de datos son enteros",
        ),
        (keras.losses.SparseCategoricalCrossentropy(from_logits=True), SPARSE, "from_logits=True"),
    ],
)
def test_loss_mismatch(loss, labels, match):
    model = compiled(reference(), loss=loss)
    with fails(IncorrectAnswer, match):
        check_compiled(model, "model", classes=10, labels=labels)


def test_unknown_labels_accept_both_crossentropies():
    for loss in ("sparse_categorical_crossentropy", "categorical_crossentropy"):
        check_compiled(compiled(reference(), loss=loss), "model", classes=10)


def test_metrics():
    model = compiled(reference(), metrics=())
    with fails(IncorrectAnswer, "no mide la exactitud"):
        check_compiled(model, "model", classes=10, labels=SPARSE)
    model = compiled(reference(), metrics=[keras.metrics.Accuracy()])
    with fails(IncorrectAnswer, "compara valores exactos"):
        check_compiled(model, "model", classes=10, labels=SPARSE)
    model = compiled(reference(), metrics=["categorical_accuracy"])
    with fails(
        IncorrectAnswer, "La métrica `categorical_accuracy` no sirve con las etiquetas son enteros"
    ):
        check_compiled(model, "model", classes=10, labels=SPARSE)
    check_compiled(model, "model", classes=10, labels=SPARSE, metric=False)


def test_binary_compile():
    sigmoid = keras.Sequential([keras.Input(shape=(30,)), layers.Dense(1, activation="sigmoid")])
    check_compiled(compiled(sigmoid, loss="binary_crossentropy"), "m", classes=2, labels=SPARSE)
    with fails(IncorrectAnswer, "pero la salida es una sola neurona `sigmoid`"):
        check_compiled(
            compiled(sigmoid, loss="sparse_categorical_crossentropy"), "m", classes=2, labels=SPARSE
        )
    softmax = keras.Sequential([keras.Input(shape=(30,)), layers.Dense(2, activation="softmax")])
    check_compiled(compiled(softmax), "m", classes=2, labels=SPARSE)
    with fails(IncorrectAnswer, "debe ser `sparse_categorical_crossentropy`"):
        check_compiled(compiled(softmax, loss="binary_crossentropy"), "m", classes=2, labels=SPARSE)


# --- training: history, accuracy, evaluation, curves ---------------------------------------


def threshold_model():
    """Softmax over 2 classes that predicts class 1 when feature 0 is positive."""
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2, activation="softmax")])
    kernel = np.zeros((3, 2), dtype="float32")
    kernel[0] = [-10.0, 10.0]
    model.layers[0].set_weights([kernel, np.zeros(2, dtype="float32")])
    return model


def test_accuracy_computed_by_grader():
    model = threshold_model()
    x = np.array([[1, 0, 0], [-1, 0, 0], [2, 0, 0], [-2, 0, 0]], dtype="float32")
    y = np.array([1, 0, 1, 1])
    assert model_accuracy(model, "model", x, y, 2) == 0.75
    check_accuracy(model, "model", x, y, classes=2, threshold=0.7, what="prueba")
    with fails(IncorrectAnswer, "`model` acierta el 75,0 % de los ejemplos de prueba"):
        check_accuracy(
            model, "model", x, y, classes=2, threshold=0.9, what="los ejemplos de prueba"
        )
    with fails(IncorrectAnswer, "solo reconoce el 66,7 % de los ejemplos de la clase 1"):
        check_class_recall(model, "model", x, y, classes=2, threshold=0.8, what="prueba")
    check_evaluation({"exactitud": 0.75}, model, "model", x, y, classes=2)
    with fails(IncorrectAnswer, "`exactitud` vale 1, pero `model` da 0.75"):
        check_evaluation({"exactitud": 1.0}, model, "model", x, y, classes=2)
    with fails(IncorrectAnswer, "`perdida` vale 0,"):
        check_evaluation({"perdida": 0.0}, model, "model", x, y, classes=2)


def test_sigmoid_rows_fail_accuracy():
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(4, activation="sigmoid")])
    x = np.ones((5, 3), dtype="float32")
    with fails(IncorrectAnswer, "no son probabilidades"):
        model_accuracy(model, "model", x, np.zeros(5), 4)
    # Where another cell checks the output layer, accuracy alone is graded.
    assert model_accuracy(model, "model", x, np.zeros(5), 4, probabilities=False) in (0.0, 1.0)


def test_history():
    history = synthetic_history(["loss", "accuracy", "val_loss", "val_accuracy"])
    check_history(history, "history")
    check_history(history.history, "history")
    with fails(IncorrectAnswer, "se esperaba el objeto `History`"):
        check_history(None, "history")
    assert repr(history) == "historial"  # how a call with it is shown in messages
    with fails(IncorrectAnswer, "ninguna época"):
        check_history(synthetic_history(["loss"], epochs=0), "h")
    with fails(IncorrectAnswer, "no registra la exactitud"):
        check_history(synthetic_history(["loss"]), "h", accuracy=True)
    check_history(synthetic_history(["loss", "val_loss"]), "h")
    with fails(
        IncorrectAnswer, "no tiene `val_loss`: el modelo se entrenó sin datos de validación"
    ):
        check_history(synthetic_history(["loss", "acc"]), "h")
    check_history(synthetic_history(["loss", "acc"]), "h", validation=False)


def _figure(history, panels=2, skip=()):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, panels, squeeze=False)
    for i, keys in enumerate([("loss", "val_loss"), ("accuracy", "val_accuracy")]):
        for key in keys:
            if key not in skip:
                axes[0][i % panels].plot(range(1, 8), history[key], label=key)
    plt.close(fig)
    return fig


def test_learning_curves():
    history = synthetic_history(["loss", "accuracy", "val_loss", "val_accuracy"]).history
    check_learning_curves(_figure(history), "graficar_curvas(h)", history)
    with fails(IncorrectAnswer, "devolvió `None`"):
        check_learning_curves(None, "f(h)", history)
    with fails(IncorrectAnswer, "no hay ninguna línea con los valores de `val_accuracy`"):
        check_learning_curves(_figure(history, skip=("val_accuracy",)), "f(h)", history)
    with fails(IncorrectAnswer, "en el mismo gráfico"):
        check_learning_curves(_figure(history, panels=1), "f(h)", history)


# --- data ----------------------------------------------------------------------------------


def test_grader_data():
    x_train, x_test, y_train, y_test = digits_split()
    assert x_train.shape == (1437, 64) and x_test.shape == (360, 64)
    assert x_train.dtype == np.float32 and x_train.max() == 1.0
    check_data_shapes(x_train, x_test, y_train, y_test, features=64, total=1797, classes=10)
    cx_train, cx_test, cy_train, _ = cancer_split()
    assert cx_train.shape == (455, 30) and cx_test.shape == (114, 30)
    assert abs(float(cx_train.mean())) < 1e-5


def test_split_checks():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x_train, x_test, y_train, y_test = digits_split()
    check_split_rows(x_train * 16 / 255, "x_train", x_train)  # scaling is another cell's job
    check_split_labels(np.eye(10)[y_train], "y_train", "x_train", y_train)
    digits = load_digits()
    bad = train_test_split(digits.data, digits.target, test_size=0.2, random_state=0)
    with fails(IncorrectAnswer, "no son las de la división"):
        check_split_rows(bad[0] / 16, "x_train", x_train)
    with fails(IncorrectAnswer, "no corresponde"):
        check_split_labels(bad[2], "y_train", "x_train", y_train)
    with fails(IncorrectAnswer, "`x_test` tiene forma (360, 10)"):
        check_data_shapes(
            x_train, x_test[:, :10], y_train, y_test, features=64, total=1797, classes=10
        )


def test_scaled():
    x_train = digits_split()[0]
    check_scaled(x_train, "x_train")
    with fails(
        IncorrectAnswer,
        "El valor máximo de `x_train` es 0.0627451; se esperaba 1. Divide los píxeles por 16",
    ):
        check_scaled(x_train * 16 / 255, "x_train")


def test_sparse_labels():
    assert list(sparse_labels(np.eye(3)[[2, 0]], "y", 3)) == [2, 0]
    assert list(sparse_labels(np.array([[1], [0]]), "y", 2)) == [1, 0]
    with fails(IncorrectAnswer, "no es one-hot"):
        sparse_labels(np.full((2, 3), 0.5), "y", 3)
    with fails(IncorrectAnswer, "se esperaban etiquetas enteras"):
        sparse_labels(np.zeros((4, 7)), "y_train", 10)


def test_calling_a_function_with_a_model_argument_warns_nothing(capfd):
    # In a test cell any stderr output, a warning included, scores 0 (05 prediccion_clases
    # hands models to the student's function).
    model = compiled(reference())
    student = {"predecir": lambda m, x: np.argmax(m.predict(x, verbose=0), axis=1)}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        found = call("predecir", model, np.zeros((3, 64), "float32"), namespace=student, quiet=True)
    assert found.shape == (3,)
    assert [str(w.message) for w in caught] == []
    assert capfd.readouterr().err == ""


def test_binary_crossentropy_does_not_fit_two_softmax_outputs_without_labels():
    """fix-15: 06 ex. 2, Dense(2, softmax) + binary_crossentropy passed when the labels were
    unknown, and `fit` then crashed with integer labels."""
    softmax = keras.Sequential([keras.Input(shape=(30,)), layers.Dense(2, activation="softmax")])
    with fails(IncorrectAnswer, "la salida tiene 2 neuronas", "sparse_categorical_crossentropy"):
        check_compiled(compiled(softmax, loss="binary_crossentropy"), "m", classes=2)
    check_compiled(compiled(softmax), "m", classes=2)
    sigmoid = keras.Sequential([keras.Input(shape=(30,)), layers.Dense(1, activation="sigmoid")])
    check_compiled(compiled(sigmoid, loss="binary_crossentropy"), "m", classes=2)
