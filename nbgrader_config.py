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
    from nbgrader.preprocessors import ClearHiddenTests, GetGrades

    from autograder.checks.environment import quiet_tensorflow
    from autograder.grading.feedback import HideTestTracebacks
    from autograder.grading.verdicts import autograde_preprocessors

    quiet_tensorflow()  # kernels inherit this environment
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
    c.ClearSolutions.code_stub = {"python": "# TU CÓDIGO AQUÍ\nraise NotImplementedError()"}
    c.ClearSolutions.text_stub = "ESCRIBE AQUÍ TU RESPUESTA"
    c.Execute.timeout = CELL_TIMEOUT_S
    c.OverwriteCells.add_missing_cells = True
    c.CollectApp.check_owner = False
    # Grade cells run in the grader process, never in the student's kernel (issue 10).
    c.Autograde.autograde_preprocessors = autograde_preprocessors()
    c.GenerateFeedback.preprocessors = [
        GetGrades,
        ClearHiddenTests,
        HideTestTracebacks,
        CSSHTMLHeaderPreprocessor,
    ]


try:
    configure(get_config())  # noqa: F821 (injected by traitlets)
except Exception as exc:  # noqa: BLE001 (any failure must stop nbgrader, not be skipped)
    sys.exit(
        f"ERROR: nbgrader_config.py no se pudo cargar ({type(exc).__name__}: {exc}). "
        "Instala el paquete del curso en este entorno (pip install -c constraints.txt -e .) "
        "antes de calificar."
    )
