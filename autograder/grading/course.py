"""The course directory: its nbgrader config, assignments and folders.

The config is loaded strictly: a config that fails to load, or that loads
without the settings grading relies on, stops everything with a clear error
instead of letting nbgrader run on its defaults.
"""

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from traitlets.config import Config, PyFileConfigLoader

CONFIG_FILE = "nbgrader_config.py"
REPO_ROOT = Path(__file__).resolve().parents[2]


def prepare_environment() -> None:
    """Set the process environment nbgrader needs; entry points call it first.

    - nbgrader reads ``TRAITLETS_APPLICATION_RAISE_CONFIG_FILE_ERROR``: any error
      in a config file must raise instead of being skipped.
    - nbgrader creates a gradebook by running ``alembic``, found on ``PATH``: make
      it this environment's, also when the venv is used without being activated.
    """
    os.environ["TRAITLETS_APPLICATION_RAISE_CONFIG_FILE_ERROR"] = "1"
    bin_dir = os.path.dirname(sys.executable)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])


class CourseError(RuntimeError):
    """The course cannot be graded as configured."""


@dataclass(frozen=True)
class Course:
    """A course directory and the config loaded from it."""

    root: Path
    config: Config

    @property
    def course_id(self) -> str:
        return self.config.CourseDirectory.course_id

    @property
    def gradebook_url(self) -> str:
        url = self.config.CourseDirectory.get("db_url")
        return url or f"sqlite:///{self.root / 'gradebook.db'}"

    def assignments(self) -> list[str]:
        """Assignments found in ``source/``, in course order."""
        source = self.root / "source"
        return sorted(p.name for p in source.iterdir() if (p / f"{p.name}.ipynb").is_file())

    def folder(self, step: str) -> Path:
        return self.root / step


def load_config(root: Path) -> Config:
    """Load ``root/nbgrader_config.py``; raise :class:`CourseError` if it fails."""
    path = Path(root) / CONFIG_FILE
    if not path.is_file():
        raise CourseError(f"No se encontró {path}: ¿es este el directorio del curso?")
    loader = PyFileConfigLoader(CONFIG_FILE, path=str(root))
    try:
        config = loader.load_config()
    except SystemExit as exc:  # the config's own guard, with its message
        raise CourseError(str(exc.code)) from exc
    except Exception as exc:  # any error in user config must stop grading
        raise CourseError(f"{path} no se pudo cargar: {type(exc).__name__}: {exc}") from exc
    verify_config(config, path)
    return config


def verify_config(config: Config, path: Path) -> None:
    """Fail unless the settings that keep grades right and feedback clean are set."""
    from nbgrader.preprocessors import ClearHiddenTests

    from .feedback import HideTestTracebacks
    from .outputs import LimitOutputBytes
    from .structure import OverwriteCellsInOrder, RepairStructure

    problems = []
    if not config.CourseDirectory.get("course_id"):
        problems.append("CourseDirectory.course_id no está definido")
    if not config.OverwriteCells.get("add_missing_cells"):
        problems.append("OverwriteCells.add_missing_cells debe ser True")
    if config.Execute.get("timeout", 30) < 60:
        problems.append("Execute.timeout es demasiado corto para entrenar con Keras (< 60 s)")
    feedback = config.GenerateFeedback.get("preprocessors", [])
    if not all(_has(feedback, kind) for kind in (ClearHiddenTests, HideTestTracebacks)):
        problems.append("GenerateFeedback.preprocessors no oculta el código de las pruebas")
    sanitize = config.Autograde.get("sanitize_preprocessors", [])
    if not all(_has(sanitize, kind) for kind in (RepairStructure, OverwriteCellsInOrder)):
        problems.append(
            "Autograde.sanitize_preprocessors no incluye RepairStructure y OverwriteCellsInOrder"
        )
    if not _has(config.Autograde.get("autograde_preprocessors", []), LimitOutputBytes):
        problems.append("Autograde.autograde_preprocessors no limita el tamaño de las salidas")
    if problems:
        raise CourseError(f"{path}: " + "; ".join(problems))


def _has(preprocessors: list, kind: type) -> bool:
    return any(isinstance(p, type) and issubclass(p, kind) for p in preprocessors)


def open_course(root: Path) -> Course:
    root = Path(root).resolve()
    config = load_config(root)
    config.CourseDirectory.root = str(root)
    return Course(root=root, config=config)


def new_course_copy(dest: Path, repo: Path = REPO_ROOT) -> Course:
    """Lay out a fresh course directory from the repository's source and config."""
    dest = Path(dest).resolve()
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    shutil.copy2(repo / CONFIG_FILE, dest / CONFIG_FILE)
    shutil.copytree(
        repo / "source",
        dest / "source",
        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
    )
    return open_course(dest)
