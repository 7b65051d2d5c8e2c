"""Redes Neuronales con Python y Keras: the checks that nbgrader test cells call.

This module is the one import surface of test cells: every name a test cell
uses is exported here (``from autograder import ...``), and test cells reach
the student's objects only through :func:`answer` and :func:`call`. The rooms
behind it (see ``docs/architecture.md``):

- :mod:`autograder.checks`: the checks and the message catalogue; they never
  import nbgrader or the grading tooling;
- :mod:`autograder.grading`: the instructor's tooling (command line, cycle,
  runner, nbgrader steps, gradebook, reports, feedback);
- :mod:`autograder.content`: course content tools (figures, the sample demo).
"""

from .checks.answers import answer, call, function, optional_answer
from .checks.architecture import (
    check_hidden_activations,
    check_input,
    check_layers,
    check_min_hidden,
    check_output,
    check_output_shapes,
    check_parameters,
    check_sequential,
)
from .checks.arrays import check_array, check_kind, check_values
from .checks.budget import report_training
from .checks.compiled import check_compiled, check_metric
from .checks.confusion import (
    check_class_values,
    check_confusion_matrix,
    check_recall,
    model_classes,
)
from .checks.data import (
    cancer_split,
    check_data_shapes,
    check_scaled,
    check_split_labels,
    check_split_rows,
    digits_split,
)
from .checks.environment import passed, quiet_tensorflow, set_seeds, setup_notebook
from .checks.numbers import check_number, check_probabilities
from .checks.outcomes import CheckFailure, IncorrectAnswer, NotAttempted, StudentCodeError
from .checks.predictions import check_predicted_classes, check_predicts_probabilities
from .checks.reasoning import check_reasoned_number
from .checks.training import (
    check_accuracy,
    check_class_recall,
    check_evaluation,
    check_history,
    check_plots_history,
)
from .checks.values import check_equal, check_sequence

__all__ = [
    "CheckFailure",
    "IncorrectAnswer",
    "NotAttempted",
    "StudentCodeError",
    "answer",
    "call",
    "cancer_split",
    "check_accuracy",
    "check_array",
    "check_class_recall",
    "check_class_values",
    "check_compiled",
    "check_confusion_matrix",
    "check_data_shapes",
    "check_equal",
    "check_evaluation",
    "check_hidden_activations",
    "check_history",
    "check_input",
    "check_kind",
    "check_layers",
    "check_metric",
    "check_min_hidden",
    "check_number",
    "check_output",
    "check_output_shapes",
    "check_parameters",
    "check_plots_history",
    "check_predicted_classes",
    "check_predicts_probabilities",
    "check_probabilities",
    "check_reasoned_number",
    "check_recall",
    "check_scaled",
    "check_sequence",
    "check_sequential",
    "check_split_labels",
    "check_split_rows",
    "check_values",
    "digits_split",
    "function",
    "model_classes",
    "optional_answer",
    "passed",
    "quiet_tensorflow",
    "report_training",
    "set_seeds",
    "setup_notebook",
]
