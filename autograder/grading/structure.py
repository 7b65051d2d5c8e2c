"""nbgrader sanitize preprocessors that grade notebooks whose structure an editor changed.

nbgrader 0.9.6 stops grading a submission (``KeyError``) when:

- a grade id appears twice (a cell split in JupyterLab keeps its metadata in both
  halves; a test cell copied above an answer): ``DeduplicateIds`` empties the
  metadata of the earlier copies and ``add_missing_task_cells`` then reads their
  missing ``grade_id``;
- a deleted test cell follows a locked cell that is not a grade or solution cell,
  or the notebook is empty: ``add_missing_grade_cells`` looks up the previous cell
  among grade and solution cells only;
- an editor saved the notebook without any cell metadata.

:class:`RepairStructure` runs first (before ``DeduplicateIds``): it gives cells
without metadata back their nbgrader metadata by matching them to the source
notebook (by content and order), merges the halves of a split solution cell and
keeps one copy of a repeated locked cell. :class:`OverwriteCellsInOrder` is
nbgrader's ``OverwriteCells`` with missing cells re-inserted after the nearest
earlier source cell that the submission still holds.
"""

import copy
import difflib
import re
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor, OverwriteCells

LOST_METADATA = "metadatos de nbgrader perdidos"
_HIDDEN = re.compile(r"^[^\n]*BEGIN HIDDEN TESTS.*?END HIDDEN TESTS[^\n]*\n?", re.S | re.M)


class StructureError(RuntimeError):
    """The submission cannot be matched to the assignment; the message says why, in Spanish."""


def grade_id(cell: NotebookNode) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def source_notebook(preprocessor: NbGraderPreprocessor, resources: dict) -> NotebookNode:
    """The instructor's source notebook that ``resources`` describes (course config paths)."""
    coursedir = CourseDirectory(parent=preprocessor)
    assignment = resources["nbgrader"]["assignment"]
    folder = Path(coursedir.format_path(coursedir.source_directory, ".", assignment))
    path = folder / f"{resources['nbgrader']['notebook']}.ipynb"
    if not path.is_file():
        raise StructureError(f"no se encontró el cuaderno fuente {path}")
    return nbformat.read(path, 4)


def source_order(source: NotebookNode) -> list[str]:
    """Grade ids of the source notebook, in notebook order."""
    return [gid for gid in (grade_id(c) for c in source.cells) if gid]


def _visible_text(cell: NotebookNode) -> str:
    """What a student's copy of a locked cell holds: hidden tests removed, spacing ignored."""
    text = _HIDDEN.sub("", cell.source) if cell.cell_type == "code" else cell.source
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def _key(cell: NotebookNode) -> tuple[str, str]:
    return cell.cell_type, _visible_text(cell)


class RepairStructure(NbGraderPreprocessor):
    """Restore lost metadata and resolve repeated grade ids before nbgrader sanitizes."""

    def preprocess(self, nb: NotebookNode, resources: dict):
        source = source_notebook(self, resources)
        if nb.cells and not any(grade_id(c) for c in nb.cells):
            restore_metadata(nb, source)
            self.log.warning("nbgrader metadata restored by matching cells to the source")
        merge_repeated(nb, source)
        return nb, resources


def _anchors(nb: NotebookNode, source: NotebookNode) -> list[tuple[int, int]]:
    """(submission index, source index) pairs of cells with the same content, in order.

    Solution cells of the source never anchor: what the student wrote there is unknown."""
    solution = object()
    theirs = [_key(c) for c in nb.cells]
    ours = [
        solution if c.metadata.get("nbgrader", {}).get("solution") else _key(c)
        for c in source.cells
    ]
    matcher = difflib.SequenceMatcher(None, theirs, ours, autojunk=False)
    return [
        (block.a + k, block.b + k)
        for block in matcher.get_matching_blocks()
        for k in range(block.size)
    ]


def restore_metadata(nb: NotebookNode, source: NotebookNode) -> None:
    """Give every cell of ``nb`` the nbgrader metadata of the source cell it matches.

    Locked cells match by content; each solution cell of the source takes the first
    cell of its type in the same gap between matched cells. Raises
    :class:`StructureError` when no cell at all matches the source.
    """
    anchors = _anchors(nb, source)
    if not anchors:
        raise StructureError(f"{LOST_METADATA}: ninguna celda coincide con el cuaderno de la tarea")
    bounds = [(-1, -1), *anchors, (len(nb.cells), len(source.cells))]
    for i, j in anchors:
        meta = source.cells[j].metadata.get("nbgrader")
        if meta:
            nb.cells[i].metadata["nbgrader"] = copy.deepcopy(meta)
    for (i0, j0), (i1, j1) in zip(bounds, bounds[1:], strict=False):
        free = list(range(i0 + 1, i1))
        for j in range(j0 + 1, j1):
            meta = source.cells[j].metadata.get("nbgrader", {})
            if not meta.get("solution"):
                continue
            match = next(
                (i for i in free if nb.cells[i].cell_type == source.cells[j].cell_type), None
            )
            if match is not None:
                free.remove(match)
                nb.cells[match].metadata["nbgrader"] = copy.deepcopy(meta)


def merge_repeated(nb: NotebookNode, source: NotebookNode) -> None:
    """Leave each grade id on one cell, keeping every student line in order.

    - Halves of a split solution cell next to each other are joined back into one.
    - Other repeats of a solution cell keep running in place, as ordinary cells.
    - Repeats of a locked cell (a test cell pasted elsewhere) are removed: the copy
      kept is the one after the cell that precedes it in the source.
    """
    order = source_order(source)
    merged: list[NotebookNode] = []
    for cell in nb.cells:
        last = merged[-1] if merged else None
        gid = grade_id(cell)
        if (
            last is not None
            and gid
            and grade_id(last) == gid
            and cell.metadata["nbgrader"].get("solution")
            and cell.cell_type == last.cell_type
        ):
            joiner = "\n" if cell.cell_type == "code" else "\n\n"
            last.source = last.source.rstrip("\n") + joiner + cell.source
            continue
        merged.append(cell)
    nb.cells = merged
    positions: dict[str, list[int]] = {}
    for index, cell in enumerate(nb.cells):
        if grade_id(cell):
            positions.setdefault(grade_id(cell), []).append(index)
    drop = set()
    for gid, places in positions.items():
        if len(places) < 2:
            continue
        keep = _copy_to_keep(nb, gid, places, order)
        for index in places:
            if index == keep:
                continue
            if nb.cells[index].metadata["nbgrader"].get("solution"):
                del nb.cells[index].metadata["nbgrader"]
            else:
                drop.add(index)
    nb.cells = [c for i, c in enumerate(nb.cells) if i not in drop]


def _copy_to_keep(nb: NotebookNode, gid: str, places: list[int], order: list[str]) -> int:
    """The copy whose nearest earlier nbgrader cell is the one before it in the source;
    else the last copy (as nbgrader's ``DeduplicateIds`` does)."""
    before = order[order.index(gid) - 1] if gid in order and order.index(gid) > 0 else None
    for index in places:
        previous = next(
            (grade_id(c) for c in reversed(nb.cells[:index]) if grade_id(c) not in (None, gid)),
            None,
        )
        if previous == before:
            return index
    return places[-1]


class OverwriteCellsInOrder(OverwriteCells):
    """nbgrader's ``OverwriteCells``; missing grade cells are re-inserted after the nearest
    earlier source cell still in the submission (any nbgrader cell, locked ones included),
    at the top when there is none, and cells without a grade id are tolerated."""

    def add_missing_grade_cells(self, nb: NotebookNode, resources: dict):
        order = source_order(source_notebook(self, resources))
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_cells = {cell.name: cell for cell in source_nb.source_cells}
        solution_ids = {cell.name for cell in source_nb.solution_cells}
        grade_cells = {cell.name: cell for cell in source_nb.grade_cells}
        missing = [gid for gid in order if gid in grade_cells]
        missing += sorted(set(grade_cells) - set(order))
        for gid in missing:
            present = {grade_id(c): i for i, c in enumerate(nb.cells) if grade_id(c)}
            if gid in present:
                continue
            self.log.warning("Missing grade cell %s encountered, adding to notebook", gid)
            cell = self.missing_cell_transform(
                source_cells[gid], grade_cells[gid].max_score, is_solution=gid in solution_ids
            )
            earlier = order[: order.index(gid)] if gid in order else []
            after = next((present[e] for e in reversed(earlier) if e in present), -1)
            nb.cells.insert(after + 1, cell)
        return nb, resources

    def add_missing_task_cells(self, nb: NotebookNode, resources: dict):
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_cells = {cell.name: cell for cell in source_nb.source_cells}
        present = {grade_id(c) for c in nb.cells}
        for task in source_nb.task_cells:
            if task.name not in present:
                nb.cells.append(
                    self.missing_cell_transform(
                        source_cells[task.name], task.max_score, is_task=True
                    )
                )
        return nb, resources
