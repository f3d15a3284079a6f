"""Code tables shipped as package data."""

from aptrack import codes


def test_gias_types_map_to_rules_vocabulary():
    assert codes.gias_kind(14) == "pru"
    assert codes.gias_kind(38) == "ap_free_school"
    assert codes.gias_kind(42) == codes.gias_kind(43) == "ap_academy"
    assert codes.gias_kind(18) == "fe_college"
    assert codes.gias_kind(9999) == "other"


def test_choices_carry_meanings():
    assert ("E", "Education health and care plan") in codes.choices("sen_provision")
    assert len(codes.choices("exclusion_reasons")) == 16
