"""Checks made before grading: the sandbox starts and its kernel imports our checks.

Run by ``./grade.sh`` (``grade_course`` and the demo) before the first
submission, so that a machine that cannot grade safely stops the run with
one clear message instead of failing every submission.
"""

import logging

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, DeadKernelError
from traitlets.config import Config

from .course import CourseError
from .sandbox import OPT_OUT_WARNING, Sandbox, SandboxedKernelManager, SandboxError, check_bwrap

log = logging.getLogger("autograder")

PROBE = "import autograder, os, sys\nprint(sys.executable)"
# In the sandbox, also: the working folder is not where imports come from.
SANDBOX_PROBE = "assert os.getcwd() not in sys.path and '' not in sys.path, sys.path\n"


def check_autograde_is_sandboxed(config: Config) -> None:
    """Fail unless the course's autograde runs student code through the sandbox.

    A step counts when its class says so (``SANDBOXED = True``, as
    :class:`~autograder.grading.sandbox.SandboxedExecute` does). A config
    without ``Autograde.autograde_preprocessors`` (nbgrader's default list) or
    with nbgrader's plain ``Execute`` fails.
    """
    steps = config.Autograde.get("autograde_preprocessors", [])
    if not any(getattr(step, "SANDBOXED", False) for step in steps):
        raise CourseError(
            "nbgrader_config.py no ejecuta a los alumnos en el aislamiento: "
            "c.Autograde.autograde_preprocessors debe usar GraderExecute (o SandboxedExecute) "
            "en lugar de Execute "
            "(copia el bloque configure_autograde del nbgrader_config.py del repositorio) o, "
            "asumiendo el riesgo, desactívalo con c.Sandbox.enabled = False."
        )


def check_kernel(config: Config | None = None, kernel_name: str = "python3") -> str:
    """Run a one-cell notebook in the grading kernel as autograde will; return its Python path.

    With the sandbox on (the default; ``config`` is the course's), the kernel
    starts in it: a machine without bubblewrap or user namespaces stops here
    with :class:`CourseError` and the fix. With ``c.Sandbox.enabled = False`` a
    warning is printed. Without this check, a kernel lacking the ``autograder``
    package would score every test cell 0 instead of stopping the run.
    """
    if config is None:  # the repository's own course config
        from .course import REPO_ROOT, load_config

        config = load_config(REPO_ROOT)
    sandbox = Sandbox(config=config)
    options = {}
    if sandbox.enabled:
        check_autograde_is_sandboxed(config)
        try:
            check_bwrap(sandbox)
        except SandboxError as exc:
            raise CourseError(str(exc)) from exc
        options["kernel_manager_class"] = SandboxedKernelManager
    else:
        print(OPT_OUT_WARNING)
    code = PROBE + ("\n" + SANDBOX_PROBE if sandbox.enabled else "")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    client = NotebookClient(nb, kernel_name=kernel_name, timeout=120, config=config, **options)
    try:
        client.execute()
    except (CellExecutionError, DeadKernelError, RuntimeError, TimeoutError) as exc:
        where = "el aislamiento (bubblewrap)" if sandbox.enabled else f"el kernel «{kernel_name}»"
        raise CourseError(
            f"No se pudo ejecutar el código de prueba en {where}: ¿está el paquete `autograder` "
            "instalado en el entorno del kernel (pip install -c constraints.txt -e .)? "
            f"Detalle: {exc}"
        ) from exc
    return "".join(o.get("text", "") for o in nb.cells[0].outputs).strip()
