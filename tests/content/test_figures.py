"""The neuron figure of 02_neurona: a valid, deterministic PNG, in sync with source/."""

import struct
import subprocess
import sys

from autograder.content.figures import NEURON_PNG, draw_neuron

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_script_writes_a_sensible_png(tmp_path):
    out = tmp_path / "figuras" / "neurona.png"
    subprocess.run(
        [sys.executable, "-m", "autograder.content.figures", str(out)],
        check=True,
        capture_output=True,
    )
    data = out.read_bytes()
    width, height = png_size(data)
    assert 600 <= width <= 2000 and 300 <= height <= 1200
    assert 10_000 < len(data) < 1_000_000
    assert data.endswith(b"IEND\xaeB`\x82")


def test_drawing_is_deterministic(tmp_path):
    first = draw_neuron(tmp_path / "a.png").read_bytes()
    second = draw_neuron(tmp_path / "b.png").read_bytes()
    assert first == second


def test_source_figure_is_up_to_date(tmp_path):
    fresh = draw_neuron(tmp_path / "neurona.png").read_bytes()
    assert NEURON_PNG.read_bytes() == fresh, (
        "Regenera la figura: python -m autograder.content.figures"
    )
