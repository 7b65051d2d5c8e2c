"""Build the intake red-team submissions from the bundled samples.

Each case is a real-world shape of submission (issue 12): an editor that split a
cell, dropped nbgrader's metadata or renamed the file, a student who deleted a
test cell or printed 20 MB. Run from the repository root after a sample changes:

    .venv/bin/python redteam/intake/build_cases.py
"""

import copy
import json
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parents[1] / "samples"


def sample(assignment: str, student: str = "correcto") -> nbformat.NotebookNode:
    return nbformat.read(SAMPLES / assignment / student / f"{assignment}.ipynb", 4)


def index_of(nb, grade_id: str) -> int:
    return next(
        i
        for i, c in enumerate(nb.cells)
        if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id
    )


def write(assignment: str, case: str, nb, name: str | None = None) -> None:
    folder = HERE / assignment / case
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.ipynb"):
        old.unlink()
    nbformat.write(nb, folder / (name or f"{assignment}.ipynb"))


def split_cell(nb, grade_id: str):
    """JupyterLab's «Split Cell»: both halves keep the cell's metadata."""
    i = index_of(nb, grade_id)
    lines = nb.cells[i].source.split("\n")
    first, second = copy.deepcopy(nb.cells[i]), copy.deepcopy(nb.cells[i])
    cut = len(lines) // 2
    first.source, second.source = "\n".join(lines[:cut]), "\n".join(lines[cut:])
    first.id, second.id = f"{first.id}-1"[:64], f"{second.id}-2"[:64]
    nb.cells[i : i + 1] = [first, second]
    return nb


def copy_test_above_answer(nb, test_id: str, answer_id: str):
    test = copy.deepcopy(nb.cells[index_of(nb, test_id)])
    test.id = f"{test.id}-copia"[:64]
    nb.cells.insert(index_of(nb, answer_id), test)
    return nb


def drop_metadata(nb):
    for cell in nb.cells:
        cell.metadata = {}
    return nb


def build_02() -> None:
    a = "02_neurona"
    write(a, "celda_dividida", split_cell(sample(a), "ejercicio1_solucion"))
    write(
        a,
        "prueba_copiada",
        copy_test_above_answer(sample(a), "dense_configuracion", "ejercicio3_solucion"),
    )
    write(a, "sin_metadatos", drop_metadata(sample(a)))
    nb = sample(a)
    del nb.cells[index_of(nb, "dense_configuracion")]
    write(a, "sin_prueba_dense_configuracion", nb)
    nb = sample(a)
    nb.cells = []
    write(a, "vacio", nb)
    nb = sample(a)
    cell = nb.cells[index_of(nb, "ejercicio1_solucion")]
    cell.source = (
        "# BEGIN HIDDEN TESTS: ¿qué será esto?\n"
        + cell.source
        + '\nnota = "### BEGIN HIDDEN TESTS"\n'
    )
    write(a, "texto_hidden_tests", nb)
    nb = sample(a)
    cell = nb.cells[index_of(nb, "ejercicio1_solucion")]
    cell.source += '\nprint("x" * 20_000_000)\n'
    write(a, "salida_enorme", nb)
    write(a, "renombrado", sample(a), f"{a}-Copy1.ipynb")
    write(a, "dos_cuadernos", sample(a), f"{a}-Copy1.ipynb")
    nbformat.write(sample(a, "parcial"), HERE / a / "dos_cuadernos" / "Untitled.ipynb")
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell('print("hola")'),
            nbformat.v4.new_markdown_cell("Mis notas"),
        ]
    )
    write(a, "ajeno_sin_metadatos", nb)
    write(a, "visible_superada_oculta_falla", sample(a, "olvida_sesgo"))
    # first round: the untouched release; the test then drops the correct one in place
    write(a, "reentrega", sample(a, "sin_intentar"))


def build_04() -> None:
    a = "04_modelo_secuencial"
    write(a, "renombrado", sample(a), f"{a}-Copy1.ipynb")
    nb = sample(a)
    nb.cells[index_of(nb, "ejercicio2_solucion")].source = (
        "entradas = keras.Input(shape=(64,))\n"
        'ocultas = layers.Dense(32, activation="relu")(entradas)\n'
        'salidas = layers.Dense(10, activation="softmax")(ocultas)\n'
        "model = keras.Model(entradas, salidas)\n"
        "model.summary()"
    )
    write(a, "funcional", nb)
    nb = sample(a)
    cell = nb.cells[index_of(nb, "ejercicio2_solucion")]
    cell.source = cell.source.replace("shape=(64,)", "shape=(63,)")
    write(a, "entrada_63", nb)


def build_05() -> None:
    a = "05_entrenamiento"
    nb = sample(a)
    cell = nb.cells[index_of(nb, "ejercicio1_solucion")]
    cell.source = (
        "model = keras.Sequential(\n"
        "    [\n"
        "        layers.Flatten(input_shape=(64,)),\n"
        '        layers.Dense(32, "relu"),\n'
        "        layers.Dense(10),\n"
        '        layers.Activation("softmax"),\n'
        "    ]\n"
        ")\n"
        'model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", '
        'metrics=["accuracy"])'
    )
    write(a, "flatten_activacion", nb)


if __name__ == "__main__":
    build_02()
    build_04()
    build_05()
    print(json.dumps(sorted(str(p.relative_to(HERE)) for p in HERE.rglob("*.ipynb")), indent=1))
