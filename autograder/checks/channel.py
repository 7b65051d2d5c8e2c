"""The grader's side of the channel to the student's kernel.

At autograde the grade cells run in the grader process (see
:mod:`autograder.grading.verdicts`); :func:`autograder.checks.answers.answer`
and ``call`` then ask the student's kernel for data through a
:class:`KernelChannel`. A request is a Jupyter ``execute_request`` with empty
code and one user expression that calls :func:`autograder.checks.serve.handle`
in the kernel; its reply carries JSON text under a custom MIME type. Only the
request's inputs (test inputs the student may see) enter the kernel; expected
values and test code never do. Output the student's code writes while serving
a request goes to IOPub, which nobody reads back into the notebook.
"""

import json
import time
from queue import Empty

from jupyter_core.utils import ensure_async, run_sync

from .messages import message
from .outcomes import StudentCodeError
from .serve import REPLY_MIME

INTERRUPT_GRACE_S = 10.0  # after an interrupt, how long a kernel may take to answer
POLL_S = 1.0  # how often a waiting request checks that the kernel is alive


class KernelLost(StudentCodeError):
    """The student's kernel died or stopped answering: nothing more can be graded."""


class KernelChannel:
    """Requests to one student kernel, with a deadline per grade cell.

    ``client`` and ``manager`` are the jupyter_client kernel client and manager
    of the notebook being graded (sync or async). ``lost`` holds the Spanish
    reason once the kernel is gone; ``student_error`` the first error a
    student cell raised (``"NameError: ..."``), so that an undefined name is
    told as the consequence of that error, not as «not attempted».
    """

    def __init__(self, client: object, manager: object):
        self.client = client
        self.manager = manager
        self.budget: float | None = None  # seconds the student's code may still run this cell
        self.lost = ""
        self.student_error = ""
        self.cache: dict[str, object] = {}

    def start_cell(self, timeout: float | None) -> None:
        """A new grade cell: the student's code may run ``timeout`` seconds in all while
        serving it (the grader's own time does not count); nothing cached from the last one."""
        self.budget = timeout
        self.cache.clear()

    def request(self, payload: dict) -> dict:
        """Send ``payload`` to :func:`autograder.checks.serve.handle`; return its reply dict.

        Raises :class:`KernelLost` if the kernel dies or ignores an interrupt,
        :class:`StudentCodeError` if the request runs past the cell's deadline or the
        kernel cannot serve it (the student's code broke the serving side).
        """
        if self.lost:
            raise KernelLost(self.lost)
        start = time.monotonic()
        try:
            return run_sync(self._request)(payload)
        finally:
            if self.budget is not None:
                self.budget = max(0.0, self.budget - (time.monotonic() - start))

    async def _request(self, payload: dict) -> dict:
        code = (
            "__import__('autograder.checks.serve', fromlist=['handle'])"
            f".handle({json.dumps(payload)!r})"
        )
        msg_id = self.client.execute(
            "", silent=True, store_history=False, user_expressions={"r": code}, allow_stdin=False
        )
        deadline = None if self.budget is None else time.monotonic() + self.budget
        reply = await self._wait(msg_id, deadline)
        if reply is None:
            await ensure_async(self.manager.interrupt_kernel())
            reply = await self._wait(msg_id, time.monotonic() + INTERRUPT_GRACE_S)
            if reply is None:
                self.lost = message("kernel_unresponsive")
                raise KernelLost(self.lost)
            raise StudentCodeError(message("call_timeout"))
        return self._parse(reply)

    async def _wait(self, msg_id: str, deadline: float | None) -> dict | None:
        """The shell reply to ``msg_id``, or ``None`` at the deadline."""
        while True:
            left = POLL_S if deadline is None else min(POLL_S, deadline - time.monotonic())
            if left <= 0:
                return None
            try:
                msg = await ensure_async(self.client.get_shell_msg(timeout=left))
            except Empty:
                if not await ensure_async(self.client.is_alive()):
                    self.lost = message("kernel_died")
                    raise KernelLost(self.lost) from None
                continue
            if msg.get("parent_header", {}).get("msg_id") == msg_id:
                return msg

    def _parse(self, reply: dict) -> dict:
        content = reply.get("content", {})
        result = (content.get("user_expressions") or {}).get("r", {})
        if content.get("status") != "ok" or result.get("status") != "ok":
            failed = result if result.get("status") == "error" else content
            ename = str(failed.get("ename", "Error"))
            if ename == "KeyboardInterrupt":
                raise StudentCodeError(message("call_timeout"))
            raise StudentCodeError(
                message("channel_broken", ename=ename, evalue=str(failed.get("evalue", ""))[:200])
            )
        text = result.get("data", {}).get(REPLY_MIME)
        try:
            answer = json.loads(text) if isinstance(text, str) else None
        except ValueError:
            answer = None
        if not isinstance(answer, dict) or not isinstance(answer.get("status"), str):
            raise StudentCodeError(message("channel_broken", ename="respuesta", evalue="ilegible"))
        return answer
