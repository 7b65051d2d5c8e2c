"""Build the red-team submissions of issue 10 from the release notebooks.

    python redteam/verdicts/build.py

Each attack is a release notebook (blank: every later point would be
undeserved) whose solution cells are replaced by the attack, sometimes with
honest or partly wrong answers beside it, so that both an undeserved point and
a lost honest point show. Writes ``redteam/verdicts/<assignment>/<attack>/
<assignment>.ipynb``; ``expected.json`` beside them is written by hand (same
format as ``samples/``).
"""

from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def solution(assignment: str, grade_id: str) -> str:
    """The source's solution of ``grade_id`` without the solution markers."""
    nb = nbformat.read(ROOT / "source" / assignment / f"{assignment}.ipynb", 4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    return "\n".join(
        line
        for line in cell.source.splitlines()
        if "BEGIN SOLUTION" not in line and "END SOLUTION" not in line
    )


NOTHING = """
def _nada(*args, **kwargs):
    return None
"""

LOOKUP = """
import numpy as _np
from sklearn.datasets import load_digits as _load_digits

_dig = _load_digits()
_TABLA = {_np.round(f, 3).astype(_np.float32).tobytes(): int(t)
          for f, t in zip(_dig.data / 16, _dig.target)}


def _etiquetas_verdaderas(x):
    filas = _np.round(_np.asarray(x, dtype=_np.float32), 3).astype(_np.float32)
    clases = [_TABLA.get(f.tobytes(), 0) for f in filas]
    return _np.eye(10, dtype=_np.float32)[clases]
"""

TENSORES_1_3 = {
    f"ejercicio{i}_solucion": solution("01_tensores", f"ejercicio{i}_solucion") for i in (1, 2, 3)
}
MODEL_05 = solution("05_entrenamiento", "ejercicio1_solucion")

ATTACKS = {
    "01_tensores": {
        "transformador_entrada": {
            "ejercicio1_solucion": (
                "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])"
            ),
        },
        "run_cell_reemplazado": {
            "ejercicio1_solucion": """
_ip = get_ipython()
_original = _ip.run_cell


def _solo_pass(raw_cell, *args, **kwargs):
    return _original("pass", *args, **kwargs)


_ip.run_cell = _solo_pass
""",
        },
        "showtraceback_reemplazado": {
            "ejercicio1_solucion": """
_ip = get_ipython()
_ip.showtraceback = lambda *args, **kwargs: None
_ip._showtraceback = lambda *args, **kwargs: None
_ip.set_custom_exc((BaseException,), lambda *args, **kwargs: None)
""",
        },
        "displayhook_reemplazado": {
            "ejercicio1_solucion": """
import sys

sys.displayhook = lambda value: None
sys.excepthook = lambda *args: None
get_ipython().displayhook.write_output_prompt = lambda: None
get_ipython().display_formatter.format = lambda obj, **kwargs: ({}, {})
""",
        },
        "funciones_calificador": {
            "ejercicio1_solucion": "import autograder\n"
            + NOTHING
            + """
for _nombre in autograder.__all__:
    if not _nombre[0].isupper():
        setattr(autograder, _nombre, _nada)
""",
        },
        "sys_modules": {
            "ejercicio1_solucion": """
import sys
import types

_falso = types.ModuleType("autograder")
_falso.__getattr__ = lambda nombre: (lambda *args, **kwargs: None)
sys.modules["autograder"] = _falso
sys.modules["autograder.checks"] = _falso
""",
        },
        "paquete_falso": {},  # the release as is, plus autograder/ beside it
        "numpy_parcheado": {
            "ejercicio1_solucion": """
import numpy.testing

np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast(a, b).shape, dtype=bool)
np.allclose = lambda *args, **kwargs: True
np.array_equal = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
# Right shapes, wrong values: only dimensiones_numpy is deserved.
escalar = np.array(0)
vector = np.zeros(5)
matriz = np.zeros((3, 4))
cubo = np.zeros((2, 3, 4))
tensor_4d = np.ones((2, 2, 2, 2))
""",
        },
        "builtins_cambiados": {
            "ejercicio1_solucion": """
import builtins


class _Nunca(Exception):
    pass


builtins.isinstance = lambda obj, kind: True
builtins.AssertionError = _Nunca
escalar = [7]
vector = [1, 2, 3, 4, 5]
matriz = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
cubo = 1
tensor_4d = 0
""",
        },
        # Failure modes: exercises 1-3 right, then the kernel dies, ignores an interrupt,
        # or a function the grader calls never returns.
        "nucleo_muere": {
            **TENSORES_1_3,
            "ejercicio4_solucion": "import os\n\nos._exit(1)",
        },
        "ignora_interrupcion": {
            **TENSORES_1_3,
            "ejercicio4_solucion": """
import signal
import time

signal.signal(signal.SIGINT, signal.SIG_IGN)
while True:
    time.sleep(0.1)
""",
        },
        "bucle_en_funcion": {
            **TENSORES_1_3,
            "ejercicio4_solucion": """
def aplanar(imagenes):
    while True:
        pass


x_plano = imagenes.reshape(len(imagenes), 64)
""",
            "ejercicio5_solucion": solution("01_tensores", "ejercicio5_solucion"),
        },
    },
    "02_neurona": {
        "submodulos_parcheados": {
            "ejercicio1_solucion": "import autograder\nimport autograder.checks.numbers\n"
            + NOTHING
            + """
autograder.check_number = _nada
autograder.checks.numbers.check_number = _nada
autograder.check_array = _nada


def suma_ponderada(x, w, b):
    return np.dot(x, w)  # forgets the bias: only suma_ponderada_pesos is deserved


def neurona(x, w, b):
    return 0.0
""",
        },
        "capa_subclase": {
            "ejercicio3_solucion": """
class _Capa(keras.layers.Dense):
    def get_weights(self):
        return [pesos, sesgos]


capa = _Capa(3, activation="relu")
""",
        },
    },
    "04_modelo_secuencial": {
        "transformador_entrada": {
            "ejercicio1_solucion": (
                "digitos = load_digits()\n"
                "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])"
            ),
        },
        "eq_siempre_verdadero": {
            "ejercicio4_solucion": """
class SiempreIgual:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = object.__hash__


def contar_parametros(entradas, neuronas):
    return SiempreIgual()


parametros_total = SiempreIgual()
print(parametros_total)
""",
        },
        "answer_envuelto": {
            "ejercicio1_solucion": solution("04_modelo_secuencial", "ejercicio1_solucion"),
            "ejercicio2_solucion": """
model = keras.Sequential(
    [keras.Input(shape=(64,)), layers.Dense(16, activation="sigmoid"), layers.Dense(10)]
)
_bueno = keras.Sequential(
    [
        keras.Input(shape=(64,)),
        layers.Dense(32, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ]
)
_bueno.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])

import autograder
import autograder.checks.answers

_real = autograder.checks.answers.answer


def _answer(name, *args, **kwargs):
    return _bueno if name == "model" else _real(name, *args, **kwargs)


autograder.answer = _answer
autograder.checks.answers.answer = _answer
""",
            "ejercicio3_solucion": 'model.compile(optimizer="adam", loss="mse")',
        },
    },
    "05_entrenamiento": {
        "entrena_con_prueba": {
            "ejercicio1_solucion": MODEL_05,
            "ejercicio2_solucion": (
                "history = model.fit(x_test, y_test, epochs=60, validation_split=0.2, verbose=0)"
            ),
        },
        "subclase_predict": {
            "ejercicio1_solucion": LOOKUP
            + """

class Tramposo(keras.Sequential):
    def call(self, inputs, training=None, mask=None):
        return keras.ops.convert_to_tensor(_etiquetas_verdaderas(inputs))

    def predict(self, x, **kwargs):
        return _etiquetas_verdaderas(x)


model = Tramposo(
    [
        keras.Input(shape=(64,)),
        layers.Dense(32, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ]
)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
""",
        },
        "call_de_instancia": {
            "ejercicio1_solucion": MODEL_05 + "\n" + LOOKUP,
            "ejercicio2_solucion": """
history = model.fit(x_train, y_train, epochs=1, validation_split=0.2, verbose=0)
model.call = lambda inputs, training=None, mask=None: keras.ops.convert_to_tensor(
    _etiquetas_verdaderas(inputs)
)
""",
        },
        "keras_parcheado": {
            "ejercicio1_solucion": MODEL_05 + "\n" + LOOKUP,
            "ejercicio2_solucion": """
history = model.fit(x_train, y_train, epochs=1, validation_split=0.2, verbose=0)
keras.Model.predict = lambda self, x, **kwargs: _etiquetas_verdaderas(x)
keras.Model.evaluate = lambda self, *args, **kwargs: [0.01, 0.99]
keras.Sequential.__call__ = lambda self, x, *args, **kwargs: keras.ops.convert_to_tensor(
    _etiquetas_verdaderas(x)
)
""",
        },
        "historial_falso": {
            "ejercicio1_solucion": MODEL_05,
            "ejercicio2_solucion": """
class Historial(keras.callbacks.History):
    pass


history = Historial()
history.history = {
    "loss": [0.5, 0.2],
    "accuracy": [0.9, 0.99],
    "val_loss": [0.5, 0.2],
    "val_accuracy": [0.9, 0.99],
}
""",
        },
        "datos_parcheados": {
            "ejercicio1_solucion": MODEL_05,
            "ejercicio2_solucion": """
history = model.fit(x_train, y_train, epochs=1, validation_split=0.2, verbose=0)
import autograder
import autograder.checks.data

_real_split = autograder.checks.data.digits_split


def _split():
    x_tr, x_te, y_tr, y_te = _real_split()
    return x_tr, x_te, y_tr, np.argmax(model.predict(x_te, verbose=0), axis=1)


autograder.digits_split = _split
autograder.checks.data.digits_split = _split
""",
        },
        "x_test_sobrescrito": {
            "ejercicio1_solucion": MODEL_05,
            "ejercicio2_solucion": """
history = model.fit(x_train, y_train, epochs=1, validation_split=0.2, verbose=0)
x_test, y_test = x_train[:360], y_train[:360]
""",
            "ejercicio3_solucion": solution("05_entrenamiento", "ejercicio3_solucion"),
        },
    },
    "06_proyecto": {
        "count_params": {
            "ejercicio1_solucion": """
modelo = keras.Sequential(
    [
        keras.Input(shape=(30,)),
        layers.Dense(64, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ]
)
modelo.count_params = lambda: 513
""",
            "ejercicio2_solucion": solution("06_proyecto", "ejercicio2_solucion"),
        },
        "entrena_con_prueba": {
            "ejercicio1_solucion": solution("06_proyecto", "ejercicio1_solucion"),
            "ejercicio2_solucion": solution("06_proyecto", "ejercicio2_solucion"),
            "ejercicio3_solucion": (
                "historial = modelo.fit(x_test, y_test, epochs=200, batch_size=16, "
                "validation_split=0.2, verbose=0)"
            ),
        },
    },
}

FAKE_PACKAGE = '''"""A fake grader beside the notebook (red team): every name does nothing."""


def __getattr__(name):
    def nothing(*args, **kwargs):
        return None

    return nothing
'''


def build() -> list[Path]:
    written = []
    for assignment, attacks in ATTACKS.items():
        release = ROOT / "release" / assignment / f"{assignment}.ipynb"
        for attack, cells in attacks.items():
            nb = nbformat.read(release, 4)
            for cell in nb.cells:
                grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
                if grade_id in cells:
                    cell.source = cells[grade_id].strip() + "\n"
            folder = HERE / assignment / attack
            folder.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, folder / f"{assignment}.ipynb")
            written.append(folder / f"{assignment}.ipynb")
            if attack == "paquete_falso":
                (folder / "autograder").mkdir(exist_ok=True)
                (folder / "autograder" / "__init__.py").write_text(FAKE_PACKAGE)
    return written


if __name__ == "__main__":
    for path in build():
        print(path.relative_to(ROOT))
