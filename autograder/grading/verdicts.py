"""Autograde's execution step: student cells in the student's kernel, grade cells here.

:class:`GraderExecute` replaces nbgrader's ``Execute`` in
``c.Autograde.autograde_preprocessors`` (see ``nbgrader_config.py``), so
``./grade.sh``, ``nbgrader autograde`` and the formgrader all use it. For each
code cell of the submission, in order:

- a student cell (anything but a test cell) runs in the student's kernel,
  exactly as nbgrader's ``Execute`` runs it; the kernel is started through
  nbclient's ``kernel_manager_class`` trait (configurable: a sandboxing
  manager plugs in there);
- a test cell runs in this (trusted) process, in a namespace of its own per
  submission, with :func:`autograder.checks.answers.grader_mode` on: its
  ``answer()``/``call()`` fetch data from the kernel
  (:mod:`autograder.checks.channel`), and its outcome is written as the
  cell's outputs the way nbgrader scores them: the success lines on stdout,
  a failure as an ``error`` output (0 points). Nothing student code does
  can reach the verdict, and nothing of the test reaches the kernel.

A kernel that dies or ignores an interrupt does not lose the submission: the
cells graded so far keep their outputs, every later test cell gets one
Spanish error saying why it could not be graded, and nbgrader goes on to
save the grades, the autograded notebook and, later, the feedback.

Suspicions (a model doing better on the test split than on its own training
split, or better than the reference ever did) are stored in the cell's
metadata under ``autograder.suspicion`` and logged: never shown to the
student, never a change of points.
"""

import builtins
import contextlib
import io
import logging
import sys
import time
import traceback
import warnings
from queue import Empty

from jupyter_core.utils import ensure_async, run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.utils import is_solution
from traitlets import Float

from ..checks import suspicion
from ..checks.answers import grader_mode
from ..checks.channel import KernelChannel, KernelLost
from ..checks.messages import message
from ..checks.outcomes import CheckFailure
from .feedback import is_test_cell
from .sandbox import SandboxedExecute


class GraderExecute(SandboxedExecute):
    """nbgrader's ``Execute``, with grade cells evaluated outside the student's kernel
    and the student's kernel in the sandbox (its ``kernel_manager_class``)."""

    response_grace = Float(
        30.0,
        help=(
            "Seconds a kernel interrupted at a cell's timeout may take to answer again "
            "before it is counted as lost and the rest of the notebook is left ungraded. "
            "TensorFlow ops notice an interrupt only when the op ends; the default is a wide "
            "margin over the op times of this course's small models."
        ),
    ).tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        self._channel = None
        self._namespace = {"__name__": "__grader__", "__builtins__": builtins}
        _clear_keras()
        try:
            return super().preprocess(nb, resources, km)
        finally:
            self._namespace = None
            self._channel = None

    def preprocess_cell(self, cell, resources, index):
        self._check_assign_resources(resources)
        if cell.cell_type != "code":
            return cell, self.resources
        if self._channel is None:
            self._channel = KernelChannel(self.kc, self.km)
        if is_test_cell(cell):
            self._grade(cell)
        else:
            self._run_student_cell(cell, index)
        return cell, self.resources

    # --- student cells: in the student's kernel ----------------------------------------

    def _run_student_cell(self, cell: NotebookNode, index: int) -> None:
        channel = self._channel
        if channel.lost:
            return
        try:
            self.execute_cell(cell, index, store_history=True)
        except DeadKernelError:
            channel.lost = message("kernel_died")
        except CellTimeoutError:
            # Interrupted at the timeout, the kernel did not go idle within nbclient's
            # IOPub wait; some code (TensorFlow ops) only notices an interrupt later.
            if self._responds(self.response_grace):
                timeout = _error("CellTimeoutError", message("cell_timeout"))
                cell.outputs.append(timeout)
                if is_solution(cell) and not channel.student_error:
                    channel.student_error = _one_line(timeout)
                return
            channel.lost = message("kernel_unresponsive")
            self._kill_kernel()
        else:
            # An error in a solution cell (not the stub's NotImplementedError) explains why
            # a name is undefined later: the label says so instead of «not attempted».
            errors = [
                o
                for o in cell.get("outputs", [])
                if o.output_type == "error" and o.get("ename") != "NotImplementedError"
            ]
            if errors and is_solution(cell) and not channel.student_error:
                channel.student_error = _one_line(errors[0])
            return
        self.log.warning("Student kernel lost at cell %d: %s", index, channel.lost)
        cell.outputs.append(_error("KernelLost", channel.lost))

    def _responds(self, grace: float) -> bool:
        """Whether the kernel answers a ``kernel_info`` request within ``grace`` seconds
        (the shell channel answers only once the interrupted cell has ended)."""

        async def ask() -> bool:
            msg_id = self.kc.kernel_info()
            deadline = time.monotonic() + grace
            while (left := deadline - time.monotonic()) > 0:
                try:
                    msg = await ensure_async(self.kc.get_shell_msg(timeout=left))
                except Empty:
                    return False
                if msg.get("parent_header", {}).get("msg_id") == msg_id:
                    return True
            return False

        return run_sync(ask)()

    def _kill_kernel(self) -> None:
        async def kill():
            await ensure_async(self.km.shutdown_kernel(now=True))

        run_sync(kill)()

    # --- test cells: here ----------------------------------------------------------------

    def _grade(self, cell: NotebookNode) -> None:
        channel = self._channel
        cell.outputs = []
        cell.execution_count = None
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if channel.lost:
            cell.outputs.append(_error("KernelLost", channel.lost))
            return
        channel.start_cell(self._get_timeout(cell))
        stdout, stderr = io.StringIO(), io.StringIO()
        failure = None
        with (
            grader_mode(channel),
            suspicion.collecting() as suspicions,
            contextlib.redirect_stdout(stdout),
            contextlib.redirect_stderr(stderr),
            warnings.catch_warnings(),
        ):
            warnings.simplefilter("ignore")
            try:
                exec(compile(cell.source, f"<{grade_id}>", "exec"), self._namespace)  # noqa: S102
            except CheckFailure as exc:
                failure = _error(type(exc).__name__, str(exc))
            except Exception as exc:  # noqa: BLE001 (a test may fail on any odd answer)
                failure = _error(
                    type(exc).__name__,
                    str(exc),
                    traceback.format_exception(type(exc), exc, exc.__traceback__),
                )
        if stdout.getvalue():
            cell.outputs.append(new_output("stream", name="stdout", text=stdout.getvalue()))
        if failure is not None:
            cell.outputs.append(failure)
        if stderr.getvalue():
            self.log.debug("stderr of grade cell %s:\n%s", grade_id, stderr.getvalue())
        if suspicions:
            cell.metadata.setdefault("autograder", {})["suspicion"] = suspicions
            for text in suspicions:
                self.log.warning("Sospecha en %s: %s", grade_id, text)
        if failure is not None and failure.ename == KernelLost.__name__:
            self.log.warning("Student kernel lost in grade cell %s", grade_id)


def _error(ename: str, evalue: str, tb: list[str] | None = None) -> NotebookNode:
    """An ``error`` output (nbgrader scores the cell 0); our failures show only the message."""
    return new_output("error", ename=ename, evalue=evalue, traceback=tb or [evalue])


def _one_line(output: NotebookNode) -> str:
    text = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".strip().rstrip(":")
    first = text.splitlines()[0] if text else "Error"
    return first if len(first) <= 160 else first[:159] + "…"


def _clear_keras() -> None:
    """A fresh Keras state per submission (models rebuilt for the last one are dropped)."""
    if "keras" in sys.modules:
        sys.modules["keras"].backend.clear_session()


logging.getLogger("tensorflow").setLevel(logging.ERROR)
