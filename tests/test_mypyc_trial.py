"""bench/mypyc_trial.py changes the copy it compiles only as its docstring says (the figure
docs/performance.md quotes rests on that). mypyc itself is not needed here."""

from .helpers import bench_module

SOURCE = '''class Plain:
    __slots__ = ("a",
                 "b")
    _fields = __slots__

    def __init__(self):
        self.a = None
        self.b = 1
        self.a = None


class Value(Record):
    __slots__ = ("x",)

    def __init__(self):
        self.x = None


class Base:
    _MISSING = object()


class Derived(Base):
    pass


class Flag(IntEnum):
    ON = 1
'''


def test_slots_are_removed_whole():
    out = bench_module("mypyc_trial")._without_slots(SOURCE)
    assert "__slots__" not in out and "_fields" not in out
    assert '"b")' not in out  # the tuple's second line went with the first
    assert "class Plain:\n    pass\n" in out


def test_record_base_dropped_other_bases_and_subclassed_classes_stay_python():
    out = bench_module("mypyc_trial")._python_classes(SOURCE)
    assert "\nclass Value:\n" in out  # Record dropped: compiled as mypyc's own class
    assert out.startswith("class Plain:\n")  # no base, not subclassed: left as it is
    assert "@mypyc_attr(native_class=False)\nclass Base:" in out  # Derived inherits from it
    assert "@mypyc_attr(native_class=False)\nclass Derived(Base):" in out
    assert "@mypyc_attr(native_class=False)\nclass Flag(IntEnum):" in out
    assert "@mypyc_attr(native_class=False)\n\n" not in out  # the decorator sits on its class


def test_only_the_first_none_of_an_attribute_is_declared_any():
    out = bench_module("mypyc_trial")._declared_any(SOURCE)
    assert out.count('self.a: "Any" = None') == 1
    assert out.count("self.a = None") == 1  # the later assignment is left alone
    assert 'self.x: "Any" = None' in out
    assert "self.b = 1" in out
    assert '_MISSING: "ClassVar[object]" = object()' in out
