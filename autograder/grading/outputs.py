"""Output size limit in bytes for autograded notebooks (and so for feedback pages).

nbgrader's ``LimitOutput`` counts lines only: one ``print`` of a 20 MB line is kept
whole in the autograded notebook, the gradebook and the feedback page.
:class:`LimitOutputBytes` runs after it and cuts every text output of a cell to
``max_bytes`` in all, ending the cut text with a Spanish note.
"""

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer

TEXT_TYPES = ("text/plain", "text/html", "text/markdown", "text/latex", "application/json")
CUT_NOTE = "\n… [salida recortada: tenía {size}; se muestran los primeros {kept}]\n"


def human_size(n: int) -> str:
    """``1536`` → ``"1.5 kB"`` (decimal units, as file managers show them)."""
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")


def _cut(text: str, budget: int) -> tuple[str, int]:
    """``text`` cut to ``budget`` UTF-8 bytes (with a note if cut), and the bytes it used."""
    raw = text.encode("utf-8")
    if len(raw) <= budget:
        return text, len(raw)
    kept = raw[: max(budget, 0)].decode("utf-8", errors="ignore")
    note = CUT_NOTE.format(size=human_size(len(raw)), kept=human_size(len(kept.encode())))
    return kept + note, budget


class LimitOutputBytes(NbGraderPreprocessor):
    """Cut the text outputs of each code cell to ``max_bytes`` bytes in all."""

    max_bytes = Integer(100_000, help="Bytes of text output kept per cell (-1: no limit).").tag(
        config=True
    )

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int):
        if self.max_bytes < 0 or cell.cell_type != "code":
            return cell, resources
        budget = self.max_bytes
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                output.text, used = _cut(output.text, budget)
                budget -= used
            elif output.output_type in ("execute_result", "display_data"):
                for mime in TEXT_TYPES:
                    value = output.get("data", {}).get(mime)
                    if isinstance(value, str):
                        output.data[mime], used = _cut(value, budget)
                        budget -= used
            elif output.output_type == "error":
                output.evalue, used = _cut(str(output.get("evalue", "")), budget)
                budget -= used
        return cell, resources
