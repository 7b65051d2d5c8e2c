"""The course config loads strictly; a broken one stops grading with a clear error."""

import json
import os
import shutil
import subprocess
import sys

import pytest
from conftest import REPO

from autograder.grading.course import CourseError, load_config, verify_config
from autograder.grading.feedback import HideTestTracebacks
from autograder.grading.preflight import check_kernel


def test_course_config_loads_with_grading_settings():
    config = load_config(REPO)
    assert config.CourseDirectory.course_id == "redes-neuronales-keras"
    assert config.Execute.timeout >= 60
    assert config.OverwriteCells.add_missing_cells is True
    assert HideTestTracebacks in config.GenerateFeedback.preprocessors
    assert "NotImplementedError" in config.ClearSolutions.code_stub["python"]
    assert "TU CÓDIGO AQUÍ" in config.ClearSolutions.code_stub["python"]


def _broken_course(tmp_path, old, new):
    text = (REPO / "nbgrader_config.py").read_text(encoding="utf-8")
    assert old in text
    (tmp_path / "nbgrader_config.py").write_text(text.replace(old, new), encoding="utf-8")
    shutil.copytree(REPO / "source", tmp_path / "source")
    return tmp_path


def test_config_that_cannot_import_our_package_stops_loading(tmp_path):
    course = _broken_course(tmp_path, "autograder.grading.feedback", "autograder.no_such_module")
    with pytest.raises(CourseError, match="no se pudo cargar.*no_such_module"):
        load_config(course)


def test_nbgrader_itself_stops_on_a_broken_config(tmp_path):
    """nbgrader skips a failing config and uses defaults; ours exits instead."""
    course = _broken_course(tmp_path, "autograder.grading.feedback", "autograder.no_such_module")
    env = dict(os.environ, TRAITLETS_APPLICATION_RAISE_CONFIG_FILE_ERROR="")
    nbgrader = shutil.which("nbgrader", path=os.path.dirname(sys.executable))
    done = subprocess.run(
        [nbgrader, "generate_assignment", "01_tensores"],
        cwd=course,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "nbgrader_config.py no se pudo cargar" in done.stderr + done.stdout
    assert not (course / "release").exists()


def test_config_missing_a_required_setting_is_rejected():
    config = load_config(REPO)
    config.OverwriteCells.add_missing_cells = False
    config.GenerateFeedback.preprocessors = []
    with pytest.raises(CourseError, match="add_missing_cells.*oculta el código"):
        verify_config(config, REPO / "nbgrader_config.py")


def test_missing_config_file_is_an_error(tmp_path):
    with pytest.raises(CourseError, match="No se encontró"):
        load_config(tmp_path)


def test_kernel_with_autograder_passes_preflight():
    assert check_kernel()


def test_kernel_without_autograder_fails_preflight(tmp_path, monkeypatch):
    spec = tmp_path / "kernels" / "sin_autograder"
    spec.mkdir(parents=True)
    launcher = (
        "import sys; sys.modules['autograder'] = None; "
        "from ipykernel import kernelapp; kernelapp.launch_new_instance()"
    )
    kernel = {
        "argv": [sys.executable, "-c", launcher, "-f", "{connection_file}"],
        "display_name": "sin autograder",
        "language": "python",
    }
    (spec / "kernel.json").write_text(json.dumps(kernel), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    config = load_config(REPO)
    config.Sandbox.enabled = False  # the sandbox runs its own Python, whatever the kernel spec
    with pytest.raises(CourseError, match="paquete `autograder`"):
        check_kernel(config, kernel_name="sin_autograder")
