"""nbgrader configuration for «Redes Neuronales con Python y Keras».

nbgrader skips a config file that raises and silently grades with its
defaults (30 s timeout, hidden tests in feedback). Every failure here is
therefore turned into SystemExit, which nbgrader does not catch.
"""

import os
import sys

COURSE_ID = "redes-neuronales-keras"
CELL_TIMEOUT_S = 180  # Keras import + training is ~20 s here; 1-CPU pods are slower


def configure(c):
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import GetGrades

    from autograder.checks.environment import quiet_tensorflow
    from autograder.grading.feedback import ClearHiddenTestsInTestCells, HideTestTracebacks
    from autograder.grading.feedback_page import SpanishFeedbackExporter

    quiet_tensorflow()  # kernels inherit this environment
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
    c.ClearSolutions.code_stub = {"python": "# TU CÓDIGO AQUÍ\nraise NotImplementedError()"}
    c.ClearSolutions.text_stub = "ESCRIBE AQUÍ TU RESPUESTA"
    c.Execute.timeout = CELL_TIMEOUT_S
    c.OverwriteCells.add_missing_cells = True
    c.CollectApp.check_owner = False
    # nbgrader's collect follows symbolic links in the exchange: ours leaves them out.
    c.ExchangeFactory.collect = "autograder.grading.exchange.SafeCollect"
    c.GenerateFeedback.preprocessors = [
        GetGrades,
        ClearHiddenTestsInTestCells,
        HideTestTracebacks,
        CSSHTMLHeaderPreprocessor,
    ]
    c.GenerateFeedback.exporter_class = SpanishFeedbackExporter
    configure_autograde(c)
    configure_sandbox(c)
    configure_on_submit(c)


def configure_autograde(c):
    """Autograde's steps: notebooks whose structure an editor changed are repaired before
    grading; student cells run in the sandboxed student kernel and grade cells in this
    trusted process (GraderExecute); outputs are capped by bytes too."""
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        ClearOutput,
        DeduplicateIds,
        IgnorePattern,
        LimitOutput,
        OverwriteKernelspec,
        SaveAutoGrades,
    )

    from autograder.grading.outputs import LimitOutputBytes
    from autograder.grading.structure import OverwriteCellsInOrder, RepairStructure
    from autograder.grading.verdicts import GraderExecute

    c.OverwriteCells.missing_cell_notification = (
        "Esta celda (id: {cell_id}) faltaba en tu entrega: el calificador la volvió a añadir.\n\n"
    )
    c.Autograde.sanitize_preprocessors = [
        ClearOutput,
        RepairStructure,
        DeduplicateIds,
        OverwriteKernelspec,
        OverwriteCellsInOrder,
        CheckCellMetadata,
    ]
    c.Autograde.autograde_preprocessors = [
        GraderExecute,
        IgnorePattern,
        ClearMetadataPreprocessor,
        LimitOutput,
        LimitOutputBytes,
        SaveAutoGrades,
        AssignLatePenalties,
        CheckCellMetadata,
    ]


def configure_sandbox(c):
    """Autograde runs student code in the bubblewrap sandbox (autograder/grading/sandbox.py).

    Limits (defaults fit a 2 GB JupyterHub pod), e.g.:
        c.Sandbox.memory_mb = 1024     # private memory per process (MiB)
        c.Sandbox.processes = 256      # processes and threads of each kernel
        c.Sandbox.uid_base = 2_000_000_000  # as root: kernels run as private uids from here
        c.Sandbox.file_size_mb = 64    # largest file written (MiB)
        c.Sandbox.cpu_seconds = 1800   # CPU time of the kernel (s)
        c.Sandbox.tmp_mb = 128         # private /tmp and working folder, each (MiB)
    Opt-out, at your own risk (student code then runs with your permissions: it can
    read source/ and other students, rewrite the gradebook and this file, use the
    network); every grading run prints a warning:
        c.Sandbox.enabled = False
    """


def configure_on_submit(c):
    """Autograding on submit, read by the hub service `autocalificacion`
    (autograder/grading/onsubmit.py)."""
    c.AutogradeOnSubmit.enabled = True  # every assignment, unless listed below
    c.AutogradeOnSubmit.max_per_hour = 3  # graded submissions per student and assignment
    c.AutogradeOnSubmit.after_due_date = False  # late submissions wait for the instructor
    # Per assignment, e.g. {"05_entrenamiento": {"enabled": False, "max_per_hour": 1}}.
    c.AutogradeOnSubmit.assignments = {}


try:
    configure(get_config())  # noqa: F821 (injected by traitlets)
except Exception as exc:  # noqa: BLE001 (any failure must stop nbgrader, not be skipped)
    sys.exit(
        f"ERROR: nbgrader_config.py no se pudo cargar ({type(exc).__name__}: {exc}). "
        "Instala el paquete del curso en este entorno (pip install -c constraints.txt -e .) "
        "antes de calificar."
    )
