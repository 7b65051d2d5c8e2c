"""Checks made before grading: the kernel must be able to import our checks."""

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, DeadKernelError

from .course import CourseError

PROBE = "import autograder, sys\nprint(sys.executable)"


def check_kernel(kernel_name: str = "python3") -> str:
    """Run a one-cell notebook in the grading kernel; return its Python path.

    Without this, a kernel lacking the ``autograder`` package would score
    every test cell 0 instead of stopping the run.
    """
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(PROBE)])
    client = NotebookClient(nb, kernel_name=kernel_name, timeout=120)
    try:
        client.execute()
    except (CellExecutionError, DeadKernelError, RuntimeError, TimeoutError) as exc:
        raise CourseError(
            f"El kernel «{kernel_name}» no puede importar el paquete `autograder`: "
            "instálalo en el entorno del kernel (pip install -c constraints.txt -e .). "
            f"Detalle: {exc}"
        ) from exc
    return "".join(o.get("text", "") for o in nb.cells[0].outputs).strip()
