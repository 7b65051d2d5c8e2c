"""Figures shown in the notebooks, drawn with matplotlib.

``python -m autograder.content.figures [PATH]`` draws the neuron of 02_neurona into
``PATH`` (default: ``source/02_neurona/neurona.png``). The drawing uses no
global pyplot state and strips the PNG metadata, so the same matplotlib
version always writes the same bytes.
"""

import sys
from pathlib import Path

from ..grading.course import REPO_ROOT

NEURON_PNG = REPO_ROOT / "source" / "02_neurona" / "neurona.png"

_INPUT = "#dbeafe"
_SUM = "#fde68a"
_ACTIVATION = "#bbf7d0"
_OUTPUT = "#fecaca"
_EDGE = "#1f2937"
_WEIGHT = "#1d4ed8"
_BIAS = "#b45309"


def draw_neuron(path: Path = NEURON_PNG, dpi: int = 100) -> Path:
    """Draw inputs x1..x3, weights w1..w3, bias b, Σ, activation f and output y."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

    fig = Figure(figsize=(9, 4.6), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 9)
    ax.set_ylim(0, 4.6)
    ax.set_aspect("equal")
    ax.axis("off")

    def arrow(start, end, color=_EDGE, width=1.6):
        ax.add_patch(
            FancyArrowPatch(
                start, end, arrowstyle="-|>", mutation_scale=16, color=color, linewidth=width
            )
        )

    # Inputs x1..x3 and their weights.
    sum_center, sum_radius = (4.3, 2.1), 0.6
    for i, y in enumerate((3.5, 2.1, 0.7), start=1):
        ax.add_patch(Circle((1.0, y), 0.38, facecolor=_INPUT, edgecolor=_EDGE, linewidth=1.5))
        ax.text(1.0, y, f"$x_{i}$", ha="center", va="center", fontsize=17)
        start = (1.38, y)
        end = (sum_center[0] - sum_radius, sum_center[1] + (y - sum_center[1]) * 0.35)
        arrow(start, end, color=_WEIGHT)
        mid_x = 2.35
        t = (mid_x - start[0]) / (end[0] - start[0])
        mid_y = start[1] + t * (end[1] - start[1])
        ax.text(
            mid_x,
            mid_y + 0.22,
            f"$w_{i}$",
            ha="center",
            va="bottom",
            fontsize=15,
            color=_WEIGHT,
        )

    # Weighted sum plus bias.
    ax.add_patch(Circle(sum_center, sum_radius, facecolor=_SUM, edgecolor=_EDGE, linewidth=1.8))
    ax.text(*sum_center, r"$\Sigma$", ha="center", va="center", fontsize=26)
    ax.text(sum_center[0], 4.3, "sesgo $b$", ha="center", va="center", fontsize=13, color=_BIAS)
    arrow((sum_center[0], 4.05), (sum_center[0], sum_center[1] + sum_radius), color=_BIAS)
    ax.text(
        sum_center[0],
        1.05,
        "suma ponderada\n$z = w_1x_1 + w_2x_2 + w_3x_3 + b$",
        ha="center",
        va="top",
        fontsize=11,
        linespacing=1.5,
    )

    # Activation f and output y.
    box_x, box_y, box_w, box_h = 5.75, 1.65, 1.1, 0.9
    ax.add_patch(
        FancyBboxPatch(
            (box_x, box_y),
            box_w,
            box_h,
            boxstyle="round,pad=0.05",
            facecolor=_ACTIVATION,
            edgecolor=_EDGE,
            linewidth=1.8,
        )
    )
    ax.text(box_x + box_w / 2, 2.1, "$f$", ha="center", va="center", fontsize=22)
    ax.text(box_x + box_w / 2, 1.35, "activación", ha="center", va="top", fontsize=11)
    arrow((sum_center[0] + sum_radius, 2.1), (box_x - 0.05, 2.1))
    ax.text(5.22, 2.22, "$z$", ha="center", va="bottom", fontsize=14)

    ax.add_patch(Circle((8.1, 2.1), 0.38, facecolor=_OUTPUT, edgecolor=_EDGE, linewidth=1.5))
    ax.text(8.1, 2.1, "$y$", ha="center", va="center", fontsize=17)
    arrow((box_x + box_w + 0.05, 2.1), (7.72, 2.1))
    ax.text(8.1, 1.55, "salida\n$y = f(z)$", ha="center", va="top", fontsize=11, linespacing=1.5)

    ax.text(1.0, 4.3, "entradas", ha="center", va="center", fontsize=13)
    ax.text(2.35, 4.3, "pesos", ha="center", va="center", fontsize=13, color=_WEIGHT)

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", metadata={"Software": None}, facecolor="white")
    return path


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = draw_neuron(Path(args[0]) if args else NEURON_PNG)
    print(f"Figura escrita: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
