"""Unit tests for autograder.checks.reasoning: right or wrong, never the answer shown."""

import numpy as np
import pytest
from conftest import fails

from autograder import IncorrectAnswer, check_reasoned_number

DIAGNOSES = {108736: "Te falta la capa de salida."}


@pytest.mark.parametrize("value", [109386, np.int64(109386), 109386.0, np.array(109386)])
def test_the_right_number_passes_whatever_its_type(value):
    check_reasoned_number(value, "parametros_ropa", 109386, hint="pista", diagnoses=DIAGNOSES)


@pytest.mark.parametrize(
    ("value", "hint"), [(108736, "Te falta la capa de salida."), (12618, "pista general")]
)
def test_a_wrong_number_gets_its_hint_and_never_the_answer(value, hint):
    with fails(IncorrectAnswer, f"vale {value}", hint) as info:
        check_reasoned_number(value, "p", 109386, hint="pista general", diagnoses=DIAGNOSES)
    assert "109386" not in str(info.value)


def test_not_a_number_fails_as_such():
    with fails(IncorrectAnswer, "se esperaba un solo número"):
        check_reasoned_number("109386", "p", 109386, hint="pista")
