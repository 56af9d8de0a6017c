"""Value classes without `@dataclass`.

`dataclasses` imports inspect, ast and dis, and generating each class's methods costs about
0.8 ms at every start-up: more than linting the one migration a pre-commit hook passes. The
classes of the `check` path are therefore plain (slotted) classes that inherit what the
dataclasses gave them from here: field-wise `==`, a `repr`, and `replace(**changes)`
(what `dataclasses.replace` did). `Frozen` adds immutability and hashing by value.

A class's fields are `_fields`, by default its own `__slots__`; the constructor must take
them as keyword arguments (for `replace`)."""

from __future__ import annotations

from operator import attrgetter


class Record:
    __slots__ = ()
    _fields: tuple[str, ...] = ()
    __hash__ = None  # mutable and compared by value: unhashable, as a dataclass with eq

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "_fields" not in cls.__dict__:
            cls._fields = tuple(cls.__dict__.get("__slots__", ()))
        # One C call for all the values (attrgetter of one name returns the value itself).
        if len(cls._fields) > 1:
            get = attrgetter(*cls._fields)
            cls._values = lambda self: get(self)
        elif cls._fields:
            get = attrgetter(cls._fields[0])
            cls._values = lambda self: (get(self),)

    def _values(self) -> tuple:  # replaced per class by __init_subclass__
        return ()

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self is other or self._values() == other._values()

    def __repr__(self) -> str:
        inner = ", ".join(f"{n}={v!r}" for n, v in zip(self._fields, self._values()))
        return f"{type(self).__name__}({inner})"

    def replace(self, **changes):
        """A copy with some fields changed."""
        values = dict(zip(self._fields, self._values()))
        values.update(changes)
        return type(self)(**values)


class Frozen(Record):
    """Immutable (constructors set fields with `object.__setattr__`) and hashable by value."""

    __slots__ = ()

    def __setattr__(self, name, value):
        raise AttributeError(f"cannot assign to field {name!r}")

    __delattr__ = __setattr__

    def __hash__(self) -> int:
        return hash(self._values())
