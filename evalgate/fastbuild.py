"""Frozen dataclass instances built without the cost of their ``__init__``.

A frozen dataclass's ``__init__`` stores each field through ``object.__setattr__`` (its own
``__setattr__`` refuses), several times the cost of a plain store: building a 21-field
:class:`~evalgate.results.CaseResult` cost more than encoding it as a line, and a run builds
such records for every case. :func:`builder` gives a function that builds the very same
instance: an instance of a plain twin class with the same fields and layout (whose
``__init__`` stores plainly) given the frozen class by ``__class__`` assignment, which Python
allows between classes of the same layout. The result is an instance of the frozen class,
equal, hashed and frozen as one its own ``__init__`` built.

Every field is given by position, in the order of the dataclass's fields (no defaults), which
the caller names when it asks for the builder (a field added or moved is then an error at
import, never a value in the wrong field). A
class the twin cannot stand for (a field ``__init__`` does not take, an ``InitVar``, a
``__post_init__``, a layout that refuses the assignment) is built by its own ``__init__``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def builder(cls: type[T], *order: str) -> Callable[..., T]:
    """A function of every field of dataclass ``cls``, in ``order`` (its fields' order), that
    returns what ``cls(*fields)`` returns; ``cls`` itself when a twin cannot build it."""
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    if tuple(f.name for f in fields) != order:
        raise TypeError(f"{cls.__name__}'s fields are {[f.name for f in fields]}, not {order}")
    params = getattr(cls, "__dataclass_params__", None)
    if (
        params is None
        or not params.frozen
        or hasattr(cls, "__post_init__")
        or any(not f.init for f in fields)
        or len(fields) != len(getattr(cls, "__dataclass_fields__", ()))  # InitVar, ClassVar
    ):
        return cls
    names = [f.name for f in fields]
    twin = dataclasses.make_dataclass(
        f"{cls.__name__}Build",
        names,
        eq=False,
        repr=False,
        match_args=False,
        slots="__slots__" in vars(cls),
    )
    probe: Any = twin(*names)
    try:
        probe.__class__ = cls
    except TypeError:  # another layout (a base's own slots, a __weakref__ slot, ...)
        return cls
    if probe != cls(*names):  # (never: the same fields, compared as the class compares them)
        return cls

    def build(*values: Any, **named: Any) -> T:
        obj: Any = twin(*values, **named)
        obj.__class__ = cls
        return obj  # type: ignore[no-any-return]

    build.__doc__ = f"``{cls.__name__}(*fields)``, built as a plain instance (see fastbuild)."
    return build
