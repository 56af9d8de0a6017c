"""The value-class bases that replace @dataclass on the start-up path."""

from __future__ import annotations

import pytest

from schemalint.diagnostics import Diagnostic, Edit, Fix, Severity
from schemalint.records import Frozen, Record


class Point(Frozen):
    __slots__ = ("x", "y")

    def __init__(self, x: int, y: int = 0) -> None:
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)


class Box(Record):
    __slots__ = ("items",)

    def __init__(self, items: list) -> None:
        self.items = items


def test_frozen_is_immutable_hashable_and_compared_by_value():
    p = Point(1, 2)
    assert p == Point(1, 2) and p != Point(2, 1) and hash(p) == hash(Point(1, 2))
    assert repr(p) == "Point(x=1, y=2)"
    with pytest.raises(AttributeError):
        p.x = 3
    assert p.replace(y=5) == Point(1, 5) and p.y == 2


def test_record_is_mutable_and_unhashable():
    b = Box([1])
    b.items = [2]
    assert b == Box([2]) and repr(b) == "Box(items=[2])"  # one field: still a tuple of values
    with pytest.raises(TypeError):
        hash(b)


def test_other_classes_are_not_equal():
    assert Point(1, 2).__eq__(Box([1])) is NotImplemented


def test_diagnostic_fields_and_replace():
    fix = Fix("quote it", (Edit(0, 1, '"a"'),))
    d = Diagnostic("SL1", "r", Severity.ERROR, "m.sql", 1, 2, 1, 3, "msg", fix=fix)
    assert d._values()[:4] == ("SL1", "r", Severity.ERROR, "m.sql")
    assert d.replace(line=9) == Diagnostic("SL1", "r", Severity.ERROR, "m.sql", 9, 2, 1, 3, "msg", fix=fix)
    assert hash(fix) == hash(Fix("quote it", (Edit(0, 1, '"a"'),)))
