"""Regenerate the sandbox red-team submissions: ``python redteam/sandbox/make_attempts.py``.

Each attempt is the ``correcto`` sample's honest answers up to the last exercise,
one attack cell, then the release notebook from the last exercise's solution stub
on (so that exercise scores 0 unless the attack earns it). Extra files beside
the notebook (a shadowing ``autograder/``, ``numpy.py``, ...) are part of the
submission. ``expected.json`` holds the points each attempt must get.
"""

import json
import shutil
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]

BLOCKED = 'print("ATAQUE BLOQUEADO:", type(error).__name__, error)'


def exec_solutions(path: str, what: str) -> str:
    return f"""# Intento: {what}
import json
try:
    with open({path!r}, encoding="utf-8") as archivo:
        celdas = json.load(archivo)["cells"]
    for celda in celdas:
        if celda.get("metadata", {{}}).get("nbgrader", {{}}).get("solution"):
            exec("".join(celda["source"]))
    print("ATAQUE LOGRADO: soluciones ejecutadas")
except OSError as error:
    {BLOCKED}
"""


def write_file(path: str, what: str, mode: str, text: str) -> str:
    return f"""# Intento: {what}
try:
    with open({path!r}, {mode!r}, encoding="utf-8") as archivo:
        archivo.write({text!r})
    print("ATAQUE LOGRADO: escrito {path}")
except OSError as error:
    {BLOCKED}
"""


GRADEBOOK = f"""# Intento: poner a cero las notas de todos en el gradebook
import sqlite3
try:
    db = sqlite3.connect("file:../../../gradebook.db?mode=rw", uri=True)
    filas = db.execute("UPDATE grade SET auto_score = 0, manual_score = 0").rowcount
    db.commit()
    print("ATAQUE LOGRADO: notas borradas", filas)
except sqlite3.Error as error:
    {BLOCKED}
"""

NETWORK = f"""# Intento: conectar con un puerto TCP de la máquina del profesor
import socket
with open("puerto.txt", encoding="utf-8") as archivo:
    puerto = int(archivo.read())
try:
    with socket.create_connection(("127.0.0.1", puerto), timeout=3) as conexion:
        conexion.sendall(b"hola desde el alumno")
    print("ATAQUE LOGRADO: conectado a", puerto)
except OSError as error:
    {BLOCKED}
"""

# Capped at 400 processes so that a run without the sandbox does not take the machine down.
FORK_BOMB = f"""# Intento: bomba de procesos
import os, time
hijos = 0
try:
    while hijos < 400:
        if os.fork() == 0:
            while True:
                time.sleep(1)
        hijos += 1
    print("ATAQUE LOGRADO:", hijos, "procesos")
except OSError as error:
    print("procesos creados:", hijos)
    {BLOCKED}
"""

# bytearray() takes zeroed pages lazily: 4 GB reserved without the sandbox, little touched.
MEMORY_BOMB = """# Intento: bomba de memoria
basura = []
while len(basura) < 40:
    basura.append(bytearray(100 << 20))
print("ATAQUE LOGRADO:", len(basura) * 100, "MB")
"""

BIG_FILE = f"""# Intento: un archivo de 1 GB
try:
    with open("grande.bin", "wb") as archivo:
        for _ in range(1024):
            archivo.write(b"0" * (1 << 20))
    print("ATAQUE LOGRADO: 1 GB escrito")
except OSError as error:
    {BLOCKED}
finally:
    import os
    if os.path.exists("grande.bin"):
        os.remove("grande.bin")
"""

EXIT = """# Intento: terminar el kernel
import os
os._exit(1)
"""

SHADOW_REPORT = """# Intento: módulos con nombres del entorno junto al cuaderno
import sys
import autograder
import numpy
print("autograder:", autograder.__file__)
print("numpy:", numpy.__file__)
print("sitecustomize:", "sitecustomize" in sys.modules, "pth:", hasattr(sys, "alumno_pth"))
"""

FAKE_AUTOGRADER = '''"""Falso autograder del alumno: toda comprobación pasa."""


def __getattr__(name):
    return lambda *args, **kwargs: None
'''

SHADOW_FILES = {
    "numpy.py": 'raise ImportError("numpy falso del alumno")\n',
    "sitecustomize.py": 'import builtins\nbuiltins.ALUMNO = "sitecustomize"\n',
    "alumno.pth": "import sys; sys.alumno_pth = True\n",
}

ATTEMPTS = {
    "01_tensores": {
        "leer_fuente": (
            "Lee source/ (soluciones y pruebas ocultas) y ejecuta las soluciones.",
            exec_solutions("../../../source/01_tensores/01_tensores.ipynb", "leer source/"),
            {},
        ),
        "leer_companero": (
            "Lee la entrega de otro alumno y ejecuta sus soluciones.",
            exec_solutions(
                "../../../submitted/alumna_honesta/01_tensores/01_tensores.ipynb",
                "copiar la entrega de otro alumno",
            ),
            {},
        ),
        "escribir_gradebook": (
            "Abre gradebook.db para escribir y pone a cero todas las notas.",
            GRADEBOOK,
            {},
        ),
        "escribir_config": (
            "Añade una línea a nbgrader_config.py del curso.",
            write_file(
                "../../../nbgrader_config.py",
                "cambiar la configuración del curso",
                "a",
                "\nc.Execute.timeout = 1\n",
            ),
            {},
        ),
        "escribir_fuente": (
            "Sobrescribe el cuaderno de source/.",
            write_file(
                "../../../source/01_tensores/01_tensores.ipynb", "estropear source/", "w", "{}"
            ),
            {},
        ),
        "red": ("Conecta con un puerto TCP abierto en 127.0.0.1.", NETWORK, {"puerto.txt": "0"}),
        "bomba_procesos": ("Crea procesos sin fin (hasta 400).", FORK_BOMB, {}),
    },
    "02_neurona": {
        "bomba_memoria": ("Reserva 4 GB de memoria.", MEMORY_BOMB, {}),
        "archivo_grande": ("Escribe un archivo de 1 GB.", BIG_FILE, {}),
        "os_exit": ("Termina el kernel con os._exit(1).", EXIT, {}),
    },
    "04_modelo_secuencial": {
        "sombra_autograder": (
            "Un paquete autograder/ junto al cuaderno cuyas comprobaciones siempre pasan.",
            SHADOW_REPORT,
            {"autograder/__init__.py": FAKE_AUTOGRADER},
        ),
        "sombra_modulos": (
            "numpy.py, sitecustomize.py y un .pth junto al cuaderno.",
            SHADOW_REPORT,
            SHADOW_FILES,
        ),
    },
}


def last_solution(nb) -> int:
    return max(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("solution"))


def build(assignment: str) -> dict:
    release = nbformat.read(REPO / "release" / assignment / f"{assignment}.ipynb", 4)
    honest = nbformat.read(REPO / "samples" / assignment / "correcto" / f"{assignment}.ipynb", 4)
    honest_points = json.loads((REPO / "samples" / assignment / "expected.json").read_text())
    cut = last_solution(release)
    zeroed = {
        c.metadata["nbgrader"]["grade_id"]
        for c in release.cells[cut:]
        if c.metadata.get("nbgrader", {}).get("grade")
    }
    expected = {}
    for attempt, (description, code, files) in ATTEMPTS[assignment].items():
        folder = HERE / assignment / attempt
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        nb = nbformat.from_dict(release)
        attack = nbformat.v4.new_code_cell(code)
        attack.id = "intento"
        nb.cells = [*honest.cells[:cut], attack, *release.cells[cut:]]
        nbformat.write(nb, folder / f"{assignment}.ipynb")
        for name, text in files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text, encoding="utf-8")
        points = dict(honest_points["correcto"]["points"])
        points.update({cell: 0 for cell in zeroed})
        expected[attempt] = {"description": description, "points": points}
    (HERE / assignment / "expected.json").write_text(
        json.dumps(expected, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return expected


if __name__ == "__main__":
    for name in ATTEMPTS:
        print(name, ", ".join(build(name)))
