"""Issue 10: verdicts computed outside the student's kernel.

The red-team submissions in ``redteam/verdicts/`` (one attack each, on a
blank or partly wrong notebook) are graded by the real path: one course per
assignment through ``course_with_submissions`` + ``autograde_all``, whose
nbgrader runs :class:`autograder.grading.verdicts.GraderExecute`. Points are
asserted per cell against ``redteam/verdicts/<assignment>/expected.json``.
The codec and the channel are also tested on their own.
"""

import json
import shutil
import warnings

import nbformat
import numpy as np
import pytest
from conftest import REPO, course_with_submissions, per_assignment

from autograder.checks import codec
from autograder.checks.answers import call
from autograder.grading import gradebook
from autograder.grading.class_report import write_class_report
from autograder.grading.runner import autograde_all

REDTEAM = REPO / "redteam" / "verdicts"
# 01_tensores holds the failure-mode submissions, which wait for a cell timeout and then for
# the interrupted kernel to answer (``GraderExecute.response_grace``). Its cells train nothing,
# so short waits are plenty there; and since its submissions mostly wait, two grading workers
# overlap the waits (about 4 minutes of grading become about 1.5).
CELL_TIMEOUT_S = {"01_tensores": 20}
RESPONSE_GRACE_S = {"01_tensores": 10}
GRADING_WORKERS = {"01_tensores": 2}


def redteam_assignments() -> list[str]:
    return sorted(p.name for p in REDTEAM.iterdir() if (p / "expected.json").is_file())


def redteam_expected(assignment: str) -> dict:
    return json.loads((REDTEAM / assignment / "expected.json").read_text(encoding="utf-8"))


CASES = per_assignment(
    [(a, s) for a in redteam_assignments() for s in sorted(redteam_expected(a))], group="verdicts-"
)


@pytest.fixture(scope="session")
def redteam_graded(tmp_path_factory):
    """``redteam_graded(assignment)``: every attack of the assignment graded in one course."""
    cache = {}

    def get(assignment: str):
        if assignment not in cache:
            cache[assignment] = _grade(tmp_path_factory.mktemp(f"redteam-{assignment}"), assignment)
        return cache[assignment]

    return get


def _grade(root, assignment):
    attacks = sorted(redteam_expected(assignment))
    folders = {a: REDTEAM / assignment / a for a in attacks}
    course = course_with_submissions(
        root, assignment, {a: f / f"{assignment}.ipynb" for a, f in folders.items()}
    )
    if assignment in CELL_TIMEOUT_S:
        course.config.Execute.timeout = CELL_TIMEOUT_S[assignment]
        course.config.GraderExecute.response_grace = RESPONSE_GRACE_S[assignment]
    for attack, folder in folders.items():
        for extra in folder.iterdir():
            if extra.is_dir() and extra.name != "__pycache__":
                shutil.copytree(
                    extra, course.folder("submitted") / attack / assignment / extra.name
                )
    workers = GRADING_WORKERS.get(assignment, 1)
    summary = autograde_all(course, assignment, attacks, workers=workers, progress=lambda *_: None)
    results = {r.student: r for r in gradebook.read_results(course, assignment, attacks)}
    errors = {o.student: o.error for o in summary.outcomes}
    return course, results, errors


def autograded_cells(course, assignment, student) -> dict:
    path = course.folder("autograded") / student / assignment / f"{assignment}.ipynb"
    nb = nbformat.read(path, 4)
    return {
        c.metadata["nbgrader"]["grade_id"]: c
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade_id")
    }


def error_text(cell) -> str:
    return " ".join(
        o.get("evalue", "") for o in cell.get("outputs", []) if o.output_type == "error"
    )


@pytest.mark.redteam
@pytest.mark.parametrize(("assignment", "attack"), CASES)
def test_attack_earns_only_deserved_points(redteam_graded, assignment, attack):
    _course, results, errors = redteam_graded(assignment)
    assert not errors.get(attack), errors.get(attack)
    assert results[attack].points == redteam_expected(assignment)[attack]["points"]


@pytest.mark.redteam
@pytest.mark.xdist_group("verdicts-01_tensores")
def test_dead_kernel_keeps_earlier_points_and_explains_the_rest(redteam_graded):
    course, _results, _errors = redteam_graded("01_tensores")
    for student in ("nucleo_muere", "ignora_interrupcion"):
        cells = autograded_cells(course, "01_tensores", student)
        assert not error_text(cells["imagenes_3d"]), student
        for grade_id in ("aplanar_digitos", "aplanar_general", "normalizar_valores"):
            assert "no se pudo calificar" in error_text(cells[grade_id]), (student, grade_id)
        assert (course.folder("autograded") / student / "01_tensores").is_dir()


@pytest.mark.redteam
@pytest.mark.xdist_group("verdicts-01_tensores")
def test_function_that_never_returns_times_out_alone(redteam_graded):
    course, _results, _errors = redteam_graded("01_tensores")
    cells = autograded_cells(course, "01_tensores", "bucle_en_funcion")
    assert "tardó demasiado" in error_text(cells["aplanar_general"])
    assert not error_text(cells["normalizar_valores"])


@pytest.mark.redteam
@pytest.mark.xdist_group("verdicts-05_entrenamiento")
def test_not_standard_model_is_told_so(redteam_graded):
    course, _results, _errors = redteam_graded("05_entrenamiento")
    for student in ("subclase_predict", "call_de_instancia"):
        cells = autograded_cells(course, "05_entrenamiento", student)
        assert "no es un modelo estándar de Keras" in error_text(cells["entrenamiento_exactitud"])


@pytest.mark.redteam
@pytest.mark.xdist_group("verdicts-05_entrenamiento")
def test_training_on_test_data_is_flagged_not_punished(redteam_graded, tmp_path):
    course, results, _errors = redteam_graded("05_entrenamiento")
    assert results["entrena_con_prueba"].points["entrenamiento_exactitud"] == 2
    cell = autograded_cells(course, "05_entrenamiento", "entrena_con_prueba")[
        "entrenamiento_exactitud"
    ]
    notes = cell.metadata["autograder"]["suspicion"]
    assert any("datos de prueba" in n for n in notes), notes
    honest = autograded_cells(course, "05_entrenamiento", "x_test_sobrescrito")
    assert "autograder" not in honest["entrenamiento_exactitud"].metadata
    page = write_class_report(
        course, {"05_entrenamiento": list(results.values())}, tmp_path / "informes"
    )
    text = page.read_text(encoding="utf-8")
    assert "Sospechas para revisar" in text and "entrena_con_prueba" in text
    assert "x_test_sobrescrito</td>" not in text.split("Sospechas para revisar")[1]


@pytest.mark.redteam
@pytest.mark.xdist_group("verdicts-04_modelo_secuencial")
def test_student_output_never_reaches_grade_cells(redteam_graded):
    course, _results, _errors = redteam_graded("04_modelo_secuencial")
    cells = autograded_cells(course, "04_modelo_secuencial", "eq_siempre_verdadero")
    outputs = [o for o in cells["parametros"].outputs]
    assert [o.output_type for o in outputs] == ["error"]
    assert "SiempreIgual" in outputs[0].evalue


# --- the codec on its own ----------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        7,
        2**80,
        -0.5,
        float("nan"),
        "texto ñ",
        [1, (2.0, "a")],
        {"a": [1, 2], 3: None, (1, 2): "t"},
        np.arange(6, dtype=np.int32).reshape(2, 3),
        np.array(3.5, dtype=np.float32),
        np.float32(1.5),
        np.int64(3),
        np.dtype("float16"),
    ],
)
def test_codec_round_trips_plain_data(value):
    back = codec.loads(codec.dumps(value))
    assert type(back) is type(value)
    if isinstance(value, np.ndarray | np.generic):
        assert back.dtype == value.dtype and back.shape == np.shape(value)
        assert np.array_equal(back, value)
    elif isinstance(value, float) and value != value:
        assert back != back
    else:
        assert back == value


class _AlwaysEqual:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


class _Number(int):
    def __eq__(self, other):
        return True

    __hash__ = int.__hash__


@pytest.mark.parametrize(
    "value",
    [_AlwaysEqual(), _Number(3), [1, _AlwaysEqual()], np.array([1, None], dtype=object), print],
)
def test_codec_refuses_objects_that_are_not_data(value):
    with pytest.raises(codec.NotEncodable):
        codec.encode(value)


def test_codec_rebuilds_standard_keras_and_refuses_the_rest():
    import keras
    import tensorflow as tf

    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    rebuilt = codec.loads(codec.dumps(model))
    assert type(rebuilt) is keras.Sequential and rebuilt.loss == "sparse_categorical_crossentropy"
    x = np.ones((2, 4), dtype="float32")
    assert np.allclose(rebuilt(x), model(x))
    by_tf = keras.Sequential(
        [keras.Input(shape=(4,)), keras.layers.Dense(3, activation=tf.nn.softmax)]
    )
    assert np.allclose(codec.loads(codec.dumps(by_tf))(x), by_tf(x))  # tf.nn.softmax
    tensor = codec.loads(codec.dumps(tf.constant([[1, 2]], dtype=tf.int64)))
    assert tf.is_tensor(tensor) and tensor.dtype == tf.int64

    class Cheat(keras.Sequential):
        def predict(self, x, **kwargs):
            return x

    with pytest.raises(codec.NotStandard):
        codec.encode(Cheat([keras.Input(shape=(4,)), keras.layers.Dense(3)]))
    patched = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3)])
    patched.count_params = lambda: 1
    with pytest.raises(codec.NotStandard):
        codec.encode(patched)
    lam = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Lambda(lambda t: t * 2)])
    # The kernel side is untrusted: a config forged past encode() is refused on decoding.
    forged = {
        "t": "model",
        "config": json.dumps(keras.saving.serialize_keras_object(lam)),
        "weights": [],
    }
    with pytest.raises(codec.NotStandard):
        codec.decode(forged)

    class FakeHistory(keras.callbacks.History):
        pass

    with pytest.raises(codec.NotStandard):
        codec.encode(FakeHistory())


def test_figure_travels_as_a_description():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2)
    a.plot([0.5, 0.2], label="loss")
    b.set_title("Exactitud")
    try:
        described = codec.loads(codec.dumps(fig))
    finally:
        plt.close(fig)
    assert isinstance(described, codec.FigureDescription)
    assert described.axes[1].title == "Exactitud"
    assert np.allclose(described.axes[0].lines[0].y, [0.5, 0.2])


# --- issue 12 item 6: warnings of student code never reach stderr ------------------------


def test_call_turns_student_warnings_into_a_note(capsys):
    def noisy(x):
        warnings.warn("cuidado", UserWarning, stacklevel=1)
        return x * 2

    assert call("noisy", 2, namespace={"noisy": noisy}) == 4
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "cuidado" in captured.out
    assert call("noisy", 2, namespace={"noisy": noisy}, quiet=True) == 4
    assert capsys.readouterr().out == ""


# --- the preprocessor on its own: a tiny notebook, the configured kernel manager ---------


def _cell(source: str, grade_id: str, *, test: bool):
    from nbformat.v4 import new_code_cell

    meta = {"grade": test, "solution": not test, "grade_id": grade_id, "locked": test}
    if test:
        meta["points"] = 1
    return new_code_cell(source, metadata={"nbgrader": meta})


def test_grade_cells_run_outside_the_configured_student_kernel(tmp_path):
    from jupyter_client.manager import AsyncKernelManager
    from nbformat.v4 import new_notebook
    from traitlets.config import Config

    from autograder.grading.verdicts import GraderExecute

    class RecordingManager(AsyncKernelManager):
        started = 0

        async def start_kernel(self, **kwargs):
            RecordingManager.started += 1
            return await super().start_kernel(**kwargs)

    nb = new_notebook(
        cells=[
            _cell("x = 41 + 1", "respuesta", test=False),
            _cell(
                "from autograder import answer, check_equal\n_secreto = 7\n"
                'check_equal(answer("x"), 42, "x")\nprint("bien")',
                "prueba_x",
                test=True,
            ),
            _cell(
                'fuga = "_secreto" in globals() or "check_equal" in globals()', "fuga", test=False
            ),
            _cell(
                "from autograder import answer, check_equal\n"
                'check_equal(answer("fuga"), False, "f")',
                "prueba_fuga",
                test=True,
            ),
            _cell('from autograder import answer\nanswer("no_existe")', "prueba_nada", test=True),
        ]
    )
    config = Config()
    config.GraderExecute.kernel_manager_class = RecordingManager
    config.Execute.timeout = 60
    GraderExecute(config=config).preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    assert RecordingManager.started == 1
    outputs = {c.metadata.nbgrader.grade_id: c.outputs for c in nb.cells}
    assert [o.output_type for o in outputs["prueba_x"]] == ["stream"]
    assert outputs["prueba_x"][0].text == "bien\n"
    assert outputs["prueba_fuga"] == []
    assert outputs["prueba_nada"][0].ename == "NotAttempted"


@pytest.mark.parametrize("grace", [30, 2])
def test_slow_interrupt_is_a_timeout_not_a_lost_kernel(tmp_path, grace):
    """Code that notices an interrupt late (as TensorFlow ops do) costs its cell only,
    within ``GraderExecute.response_grace``; past it the kernel counts as lost."""
    from nbformat.v4 import new_notebook
    from traitlets.config import Config

    from autograder.grading.verdicts import GraderExecute

    slow = (
        "import signal\nimport time\n\n\ndef _tarde(*args):\n    time.sleep(8)\n"
        "    raise KeyboardInterrupt\n\n\nsignal.signal(signal.SIGINT, _tarde)\ntime.sleep(60)"
    )
    nb = new_notebook(
        cells=[
            _cell(slow, "lento", test=False),
            _cell("x = 1", "despues", test=False),
            _cell('from autograder import answer\nanswer("x")', "prueba_x", test=True),
        ]
    )
    config = Config()
    config.Execute.timeout = 5
    config.GraderExecute.response_grace = grace
    GraderExecute(config=config).preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    outputs = {c.metadata.nbgrader.grade_id: c.outputs for c in nb.cells}
    if grace < 8:  # the interrupt handler sleeps 8 s: the kernel is lost
        assert outputs["prueba_x"][-1].ename == "KernelLost", outputs["prueba_x"]
        assert "dejó de responder" in outputs["prueba_x"][-1].evalue
        return
    assert [o.ename for o in outputs["lento"] if o.output_type == "error"][-1] == "CellTimeoutError"
    assert outputs["prueba_x"] == []
