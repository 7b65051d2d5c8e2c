"""The whole journey of the course on a real JupyterHub, in a real browser.

Instructor releases 01_tensores → student 1 fetches it in the Assignments panel (JupyterLab
in Spanish), writes a correct answer in the notebook, runs it, sees the visible tests pass,
validates, submits → student 2 submits a partial answer → with no instructor action, the
hub service «autocalificacion» (autograder/grading/onsubmit.py) collects, autogrades and
releases feedback for each → grades match samples/01_tensores/expected.json → each student
presses Fetch Feedback and reads the Spanish feedback page: score, messages, no hidden test
code. The time from each Submit click to the feedback being available is measured.
"""

import json
import os
import pwd
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from autograder.checks.messages import PASSED

from .conftest import INSTRUCTOR, PREFIX, REPO, STUDENTS, log

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

ASSIGNMENT = "01_tensores"
SAMPLES = REPO / "samples" / ASSIGNMENT
SOURCE_NB = REPO / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
RELEASE_NB = REPO / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
# Which sample each student writes, and the points expected (expected.json).
ANSWERS = {STUDENTS[0]: "correcto", STUDENTS[1]: "parcial"}
PASSED_MARK = PASSED.format(what="").strip()  # what a passing check prints
VALIDATE_OK = "Success! Your notebook passes all the tests."  # nbgrader's, not translated
# JupyterLab's menus with the Spanish language pack (jupyterlab-language-pack-es-es).
# The pack has no Spanish title for the Run menu in every version: either is accepted there.
MENU_FILE, MENU_RUN, RUN_ALL = "Archivo", "(Ejecutar|Run)", "Ejecutar todas las celdas"
# What the English pages of nbgrader and JupyterLab would show instead.
ENGLISH_FEEDBACK_LABELS = ("Score:", "Test cell", "Student's answer", "Comments:", "(Top)")
FEEDBACK_BAR_S = 120  # issue 13: submit → feedback available, 01_tensores, 2-core machine
CREATE_ASSIGNMENT_TAB = ".lm-TabBar-tab[title='Nbgrader Create Assignment']"
MS = 1000


# --- what the notebooks hold -------------------------------------------------------------


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def nbgrader_meta(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def solution_cells(sample: str) -> dict[int, str]:
    """Index in the release notebook → the sample's code for that solution cell."""
    sample_cells = {
        nbgrader_meta(c).get("grade_id"): "".join(c["source"])
        for c in cells(SAMPLES / sample / f"{ASSIGNMENT}.ipynb")
    }
    return {
        i: sample_cells[nbgrader_meta(c)["grade_id"]]
        for i, c in enumerate(cells(RELEASE_NB))
        if nbgrader_meta(c).get("solution") and c["cell_type"] == "code"
    }


def autograded_test_ids() -> list[str]:
    return [
        nbgrader_meta(c)["grade_id"]
        for c in cells(RELEASE_NB)
        if nbgrader_meta(c).get("grade") and not nbgrader_meta(c).get("solution")
    ]


def hidden_only_lines() -> list[str]:
    """Code lines of the hidden tests that appear nowhere in the student's notebook."""
    released = "\n".join("".join(c["source"]) for c in cells(RELEASE_NB))
    lines = set()
    for cell in cells(SOURCE_NB):
        text = "".join(cell["source"])
        for block in re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", text, re.S):
            for line in block.splitlines():
                line = line.strip()
                if len(line) >= 12 and not line.startswith("#") and line not in released:
                    lines.add(line)
    assert len(lines) >= 5, f"muy pocas líneas ocultas para comprobar: {lines}"
    return sorted(lines)


def expected_points(sample: str) -> dict[str, float]:
    expected = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))
    return {k: float(v) for k, v in expected[sample]["points"].items()}


# --- browser helpers ---------------------------------------------------------------------


class Shots:
    """Numbered screenshots of each step."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.n = 0
        self.pages = {}

    def track(self, name: str, page):
        self.pages[name] = page
        return page

    def failure(self) -> None:
        """On failure: a screenshot and the HTML of every page still open."""
        for name, page in self.pages.items():
            try:
                if not page.is_closed():
                    self(page, f"FALLO_{name}", full_page=True)
                    html = "\n".join(frame.content() for frame in page.frames)
                    (self.folder / f"FALLO_{name}.html").write_text(html, encoding="utf-8")
            except Exception as exc:  # noqa: BLE001 (best effort, the real error follows)
                log(f"sin captura de {name}: {exc}")

    def __call__(self, page, name: str, full_page: bool = False) -> Path:
        self.n += 1
        path = self.folder / f"{self.n:02d}_{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path


def login(browser, hub, user: str):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="es-ES")
    context.set_default_timeout(60 * MS)
    page = context.new_page()
    start = time.monotonic()
    page.goto(f"{hub.url}/hub/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", hub.passwords[user])
    page.click("#login_submit")
    page.wait_for_url(re.compile(rf"/user/{user}/lab"), timeout=120 * MS)
    page.wait_for_selector("#jp-main-dock-panel", timeout=120 * MS)
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").wait_for(timeout=60 * MS)
    log(f"{user}: JupyterLab listo ({time.monotonic() - start:.0f} s)")
    return page


def nbgrader_menu_items(page) -> list[str]:
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    menu = page.locator(".lm-Menu").last
    menu.wait_for()
    items = [t.strip() for t in menu.locator(".lm-Menu-itemLabel").all_inner_texts()]
    page.keyboard.press("Escape")
    return items


def open_assignment_list(page):
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    page.locator(".lm-Menu-itemLabel", has_text="Assignment List").click()
    page.locator("#released_assignments_list").wait_for()


def show_assignment_list(page):
    page.locator(".lm-TabBar-tab", has_text="Assignments").first.click()
    page.locator("#released_assignments_list").wait_for()


def row(page, list_id: str, text: str = ASSIGNMENT):
    return page.locator(f"#{list_id} .list_item", has_text=text).first


def paste_into_cell(page, index: int, code: str) -> None:
    """Replace a cell's code as a paste would (no auto-indent, no auto-closed brackets)."""
    cell = page.locator(".jp-Notebook .jp-Cell").nth(index)
    editor = cell.locator(".cm-content")
    editor.scroll_into_view_if_needed()
    editor.click()
    page.keyboard.press("Control+a")
    editor.evaluate(
        """(el, text) => {
            const data = new DataTransfer();
            data.setData('text/plain', text);
            el.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true,
                                                           cancelable: true}));
        }""",
        code,
    )
    page.wait_for_function(
        "([el, n]) => el.querySelector('.cm-content').innerText.split('\\n').length >= n",
        arg=[cell.element_handle(), len(code.splitlines())],
    )
    page.keyboard.press("Escape")


def menu_command(page, menu: str, item: str) -> None:
    """Click menu → item; ``menu`` is a regular expression for the menu's title."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(rf"^{menu}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(rf"^{re.escape(item)}$")).click()


def save_notebook(page) -> None:
    """Ctrl+S, as a student would; File → Save Notebook if the notebook stays unsaved."""
    clean = "() => !document.querySelector('.lm-TabBar-tab.jp-mod-current.jp-mod-dirty')"
    page.locator(".jp-NotebookPanel .jp-Notebook").first.focus()
    page.keyboard.press("Control+s")
    try:
        page.wait_for_function(clean, timeout=15 * MS)
    except PlaywrightTimeout:
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(rf"^{MENU_FILE}$")).click()
        save = re.compile(r"^Guardar (Cuaderno|Notebook)$")
        page.locator(".lm-Menu-itemLabel", has_text=save).click()
        page.wait_for_function(clean)


def run_all(page, n_cells: int, timeout_s=180) -> None:
    menu_command(page, MENU_RUN, RUN_ALL)
    last_code = page.locator(".jp-Notebook .jp-Cell.jp-CodeCell").last.locator(".jp-InputPrompt")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if re.search(r"\[\d+\]", last_code.inner_text()):
            return
        if page.locator(
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']"
        ).count():
            break
        page.wait_for_timeout(500)
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']")
    raise AssertionError(
        "el cuaderno no se ejecutó entero: " + " | ".join(errors.all_inner_texts())[:2000]
    )


def fetch_and_open(page, shots, user: str):
    open_assignment_list(page)
    row(page, "released_assignments_list").wait_for()
    shots(page, f"{user}_tareas_publicadas")
    row(page, "released_assignments_list").locator("button", has_text="Fetch").click()
    fetched = row(page, "fetched_assignments_list")
    fetched.wait_for()
    fetched.locator(".assignment-notebooks-link").click()
    page.locator("#fetched_assignments_list .nested_list_item a", has_text=ASSIGNMENT).click()
    page.locator(".jp-Notebook .jp-Cell").nth(len(cells(RELEASE_NB)) - 1).wait_for()
    page.locator(".jp-Notebook .jp-CodeCell .cm-content").first.wait_for()
    log(f"{user}: tarea recogida y abierta")


def submit(page, shots, user: str) -> float:
    """Press Submit; return the time of the click (epoch seconds)."""
    show_assignment_list(page)
    clicked = time.time()
    row(page, "fetched_assignments_list").locator("button", has_text="Submit").click()
    row(page, "submitted_assignments_list").wait_for(timeout=60 * MS)
    shots(page, f"{user}_entregada")
    log(f"{user}: entregada")
    return clicked


def fetch_feedback_until_available(page, user: str, timeout_s: float = 300):
    """Press Fetch Feedback every few seconds until «view feedback» appears; return the link."""
    link = page.locator("#submitted_assignments_list a", has_text="view feedback").first
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        show_assignment_list(page)
        submitted = row(page, "submitted_assignments_list")
        submitted.locator("button", has_text="Fetch Feedback").click()
        page.wait_for_timeout(1500)
        if link.count():
            return link
        page.wait_for_timeout(3000)
    raise AssertionError(f"{user}: sin comentarios {timeout_s:.0f} s después de entregar")


def spanish_lab(page) -> list[str]:
    """The menu bar of JupyterLab: Spanish labels (language pack and locale of the hub)."""
    labels = [t.strip() for t in page.locator(".lm-MenuBar-itemLabel").all_inner_texts()]
    for spanish in (MENU_FILE, "Editar", "Ver", "Ayuda"):
        assert spanish in labels, f"JupyterLab no está en español: {labels}"
    assert "File" not in labels and "Help" not in labels, labels
    return labels


def failure_messages(course_dir: Path, user: str) -> list[str]:
    """The one-line messages of the failed test cells in the autograded notebook."""
    notebook = course_dir / "autograded" / user / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    messages = []
    for cell in cells(notebook):
        if nbgrader_meta(cell).get("grade") and not nbgrader_meta(cell).get("solution"):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error" and output.get("evalue", "").strip():
                    messages.append(output["evalue"].strip().splitlines()[0])
    return messages


def check_feedback(text: str, user: str, sample: str, total: float, hidden: list[str]) -> None:
    """Score as expected, messages shown, no hidden test code."""
    assert re.search(rf"{ASSIGNMENT}\s*\(Puntuación:\s*{total:.1f}\s*/\s*10\.0\)", text), (
        f"{user}: el feedback no muestra {total:.1f} / 10.0:\n{text[:1500]}"
    )
    english = [label for label in ENGLISH_FEEDBACK_LABELS if label in text]
    assert not english, f"{user}: etiquetas en inglés en el feedback: {english}"
    leaks = [line for line in hidden if line in text]
    assert not leaks, f"código de pruebas ocultas en el feedback de {user}: {leaks}"
    assert "Traceback" not in text, f"{user}: traza de error en el feedback"
    assert PASSED_MARK in text, f"{user}: el feedback no muestra los mensajes de las pruebas"


def check_limits(user: str) -> str:
    """Every process of the user's server (kernel included) runs under 1 CPU and 2 GiB."""
    if not os.access("/sys/fs/cgroup/memory", os.W_OK) or not os.access(
        "/sys/fs/cgroup/cpu", os.W_OK
    ):
        return "límites no comprobables aquí (sin cgroup v1 escribible)"
    uid = pwd.getpwnam(user).pw_uid
    pids = [p for p in Path("/proc").iterdir() if p.name.isdigit() and p.stat().st_uid == uid]
    assert len(pids) >= 2, f"{user}: se esperaban servidor y kernel, hay {len(pids)} procesos"
    for proc in pids:
        groups = dict(line.split(":", 2)[1:] for line in (proc / "cgroup").read_text().splitlines())
        memory = Path("/sys/fs/cgroup/memory") / groups["memory"].lstrip("/")
        cpu = Path("/sys/fs/cgroup/cpu") / groups["cpu"].lstrip("/")
        assert memory.name == user and cpu.name == user, (proc, groups)
        assert int((memory / "memory.limit_in_bytes").read_text()) == 2 * 1024**3
        quota = int((cpu / "cpu.cfs_quota_us").read_text())
        assert quota == int((cpu / "cpu.cfs_period_us").read_text()), quota
    return f"{len(pids)} procesos limitados a 1 CPU y 2 GiB"


# --- the journey -------------------------------------------------------------------------


def test_course_journey_on_jupyterhub(hub, browser, artifacts):
    shots = Shots(artifacts)
    try:
        journey(hub, browser, shots)
    except BaseException as exc:
        shots.failure()
        exc.add_note(f"Capturas y registros: {artifacts}")
        raise


def journey(hub, browser, shots):
    started = time.monotonic()

    # 1. The instructor releases the assignment (nbgrader CLI, as in a Lab terminal) and
    #    sees it in the formgrader.
    hub.nbgrader("generate_assignment", ASSIGNMENT, "--force")
    hub.nbgrader("release_assignment", ASSIGNMENT)
    assert (hub.exchange / "redes-neuronales-keras" / "outbound" / ASSIGNMENT).is_dir()
    # Students must not be able to read the instructor's source (solutions, hidden tests).
    denied = hub.as_user(
        STUDENTS[0],
        ["cat", str(hub.course_dir / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")],
        check=False,
    )
    assert denied.returncode != 0, "un alumno puede leer el source del profesor"

    teacher = shots.track(INSTRUCTOR, login(browser, hub, INSTRUCTOR))
    teacher_menu = nbgrader_menu_items(teacher)
    assert "Formgrader" in teacher_menu, teacher_menu
    assert teacher.locator(CREATE_ASSIGNMENT_TAB).count(), "el profesor no ve «Create Assignment»"
    menu_command(teacher, "Nbgrader", "Formgrader")
    frame = teacher.frame_locator("iframe").first
    frame.locator("tr", has_text=ASSIGNMENT).get_by_text("released").wait_for(timeout=60 * MS)
    shots(teacher, "profesor_formgrader_publicada")

    # 2. Student 1: correct answer, run, visible tests pass, Validate, submit.
    hidden = hidden_only_lines()
    n_tests = len(autograded_test_ids())
    pages, submitted_at = {}, {}
    for user in STUDENTS:
        page = shots.track(user, login(browser, hub, user))
        pages[user] = page
        labels = spanish_lab(page)
        shots(page, f"{user}_jupyterlab_en_espanol")
        log(f"{user}: JupyterLab en español ({', '.join(labels)})")
        menu = nbgrader_menu_items(page)
        assert "Assignment List" in menu, menu
        for forbidden in ("Formgrader", "Course List"):
            assert forbidden not in menu, f"{user} (alumno) ve «{forbidden}» en el menú: {menu}"
        status = page.request.get(f"{hub.url}/user/{user}/formgrader").status
        assert status == 404, f"{user} (alumno) llega al formgrader (HTTP {status})"

        fetch_and_open(page, shots, user)
        assert page.locator(".validate-button").count(), f"{user}: falta el botón Validate"
        assert not page.locator(CREATE_ASSIGNMENT_TAB).count(), f"{user} ve «Create Assignment»"
        for index, code in solution_cells(ANSWERS[user]).items():
            paste_into_cell(page, index, code)
        save_notebook(page)
        shots(page, f"{user}_respuesta_escrita")

        if ANSWERS[user] == "correcto":
            run_all(page, len(cells(RELEASE_NB)))
            outputs = " ".join(page.locator(".jp-Notebook .jp-OutputArea").all_inner_texts())
            assert outputs.count(PASSED_MARK) == n_tests, outputs[:3000]
            assert not page.locator("[data-mime-type='application/vnd.jupyter.stderr']").count()
            shots(page, f"{user}_pruebas_visibles_ok")
            save_notebook(page)
            page.locator(".validate-button").first.click()
            dialog = page.locator(".jp-Dialog")
            dialog.get_by_text(VALIDATE_OK).wait_for(timeout=180 * MS)
            shots(page, f"{user}_validar_ok")
            dialog.locator("button").last.click()
            log(f"{user}: pruebas visibles y Validate correctos; {check_limits(user)}")
        submitted_at[user] = submit(page, shots, user)

    # 3. No instructor action: the service grades each submission and releases its feedback;
    #    each student presses Fetch Feedback until it arrives.
    #    Two figures per student: Submit click → feedback released by the service (the
    #    queue's «finished» time), and → the student's Fetch Feedback found it (student 1's
    #    includes the time student 2 spent working before the test came back to them).
    links, seen = {}, {}
    for user in reversed(ANSWERS):
        links[user] = fetch_feedback_until_available(pages[user], user)
        seen[user] = time.time() - submitted_at[user]
    state = hub.course_dir / "autocalificacion"
    queue_lines = (state / "entregas.csv").read_text()
    entries = json.loads((state / "cola.json").read_text())["entries"]
    released = {e["student"]: e["finished"] - submitted_at[e["student"]] for e in entries}
    timings = {u: {"publicado_s": released[u], "visto_s": seen[u]} for u in ANSWERS}
    (hub.artifacts / "entregas.csv").write_text(queue_lines)
    (hub.artifacts / "autocalificacion.log").write_text((state / "registro.log").read_text())
    (hub.artifacts / "tiempos.json").write_text(json.dumps(timings, indent=1))
    for user, t in timings.items():
        log(
            f"{user}: Submit → comentarios publicados {t['publicado_s']:.0f} s, "
            f"vistos con Fetch Feedback {t['visto_s']:.0f} s"
        )
        assert t["publicado_s"] <= FEEDBACK_BAR_S, f"{user}: {t} (límite {FEEDBACK_BAR_S} s)"
    assert queue_lines.count(",calificada,1,") == len(ANSWERS), queue_lines

    grades = json.loads(
        hub.as_user(
            INSTRUCTOR,
            [str(PREFIX / "venv" / "bin" / "python"), "-c", GRADES_SCRIPT, *STUDENTS],
            cwd=hub.course_dir,
        ).stdout
    )
    for user, sample in ANSWERS.items():
        expected = expected_points(sample)
        assert grades[user]["cells"] == expected, (user, grades[user]["cells"], expected)
        assert grades[user]["score"] == sum(expected.values()), (user, grades[user])
    log(f"notas correctas: { {u: g['score'] for u, g in grades.items()} }")

    teacher.reload()
    teacher.locator("#jp-main-dock-panel").wait_for()
    menu_command(teacher, "Nbgrader", "Formgrader")
    frame = teacher.frame_locator("iframe").first
    frame.get_by_text("Manage Students").first.click()
    for user, sample in ANSWERS.items():
        total = sum(expected_points(sample).values())
        frame.locator("tr", has_text=user).get_by_text(f"{total:g} / 10").wait_for()
    shots(teacher, "profesor_alumnos_calificados")

    # 4. Each student fetches feedback and reads it: score, messages, no hidden code.
    for user, sample in ANSWERS.items():
        page = pages[user]
        link = links[user]
        shots(page, f"{user}_feedback_disponible")
        # «view feedback» opens the feedback folder in the file browser; the student opens
        # the HTML file there (JupyterLab's HTML viewer).
        link.click()
        item = page.locator(".jp-DirListing-item", has_text=f"{ASSIGNMENT}.html").first
        item.wait_for()
        item.dblclick()
        viewer = page.frame_locator(".jp-HTMLViewer iframe").last
        viewer.get_by_text("Puntuación:").first.wait_for()
        total = sum(expected_points(sample).values())
        check_feedback(viewer.locator("body").inner_text(), user, sample, total, hidden)
        shots(page, f"{user}_feedback_en_lab")

        # The same file on its own page, for a full-length screenshot.
        feedback_file = next((hub.home(user) / ASSIGNMENT / "feedback").rglob("*.html"))
        relative = feedback_file.relative_to(hub.home(user)).as_posix()
        feedback = shots.track(f"{user}_feedback", page.context.new_page())
        feedback.goto(f"{hub.url}/user/{user}/files/{relative}")
        text = feedback.locator("body").inner_text()
        check_feedback(text, user, sample, total, hidden)
        messages = failure_messages(hub.course_dir, user)
        assert bool(messages) == (sample != "correcto"), (user, messages)
        for message in messages:
            assert message in text, f"{user} no ve el mensaje «{message}» en el feedback"
        raw = feedback_file.read_text(encoding="utf-8")
        assert "BEGIN HIDDEN TESTS" not in raw
        shots(feedback, f"{user}_feedback", full_page=True)
        log(f"{user}: feedback visto ({total:.0f}/10, sin código oculto)")

    log(f"recorrido completo en {time.monotonic() - started:.0f} s")


GRADES_SCRIPT = """
import json, sys
from nbgrader.api import Gradebook
out = {}
with Gradebook("sqlite:///gradebook.db") as gb:
    for student in sys.argv[1:]:
        sub = gb.find_submission("01_tensores", student)
        cells = {}
        for nb in sub.notebooks:
            for grade in nb.grades:
                if grade.auto_score is not None or grade.manual_score is not None:
                    cells[grade.name] = float(grade.score)
        out[student] = {"score": float(sub.score), "cells": cells}
print(json.dumps(out))
"""
