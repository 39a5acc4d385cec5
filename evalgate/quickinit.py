"""Frozen dataclasses built at the cost of plain ones.

A frozen dataclass's ``__init__`` stores each field with ``object.__setattr__(self, name,
value)``: a generic attribute store that looks the name up again on every call, several times
the cost of storing into the field's slot. The records built for every case of a run (its
answer, its result, the call's result, the context a template reads) pay it once per field.

:func:`quick_init`, below ``@dataclass(frozen=True, slots=True)``, gives such a class an
``__init__`` with the same signature (the same parameters, defaults, ``default_factory``
fields and error messages) that stores each field through its slot's own descriptor, as
``object.__setattr__`` ends up doing. Instances are equal, hash alike and stay frozen; an
instance of a subclass is built by the dataclass's own ``__init__`` (a subclass may store
fields its own way, through properties).
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T", bound=type)

WARM = 256  # instances built by the dataclass's own __init__ before the quick one is made


def quick_init(cls: T) -> T:
    """Give ``cls`` an ``__init__`` that stores fields through their slots.

    Only for frozen, slotted dataclasses whose every field is set by ``__init__``, by position
    or name, without ``__post_init__`` (anything else raises ``TypeError`` here, at import).
    The new ``__init__`` is made once :data:`WARM` instances were built the dataclass's way
    (making it costs about what a few hundred quick builds save: importing a module or
    a small run makes none); either reads as the dataclass's own, its ``__wrapped__``.
    """
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or not params.init:
        raise TypeError(f"{cls.__name__}: quick_init takes a frozen dataclass with an __init__")
    if "__slots__" not in cls.__dict__:
        raise TypeError(f"{cls.__name__}: quick_init takes a slotted dataclass (slots=True)")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: quick_init does not run __post_init__")
    fields = dataclasses.fields(cls)
    if len(fields) != len(cls.__dataclass_fields__) or any(  # type: ignore[attr-defined]
        not f.init or f.kw_only for f in fields
    ):
        raise TypeError(f"{cls.__name__}: quick_init takes fields set by __init__, by position")
    if any(f.name == "self" or f.name.startswith("__") for f in fields):
        raise TypeError(f"{cls.__name__}: quick_init cannot name a field 'self' or '__...'")
    slow: Any = cls.__dict__["__init__"]  # the dataclass's own

    built = 0

    def first(self: Any, *args: Any, **kwargs: Any) -> None:
        nonlocal built
        built += 1
        if built == WARM:  # a class built this often will be built for every case
            setattr(cls, "__init__", _made(cls, slow))  # noqa: B010 - mypy refuses __init__
        slow(self, *args, **kwargs)

    _dress(first, cls, slow)
    setattr(cls, "__init__", first)  # noqa: B010
    return cls


def _made(cls: type, slow: Any) -> Any:
    """The quick ``__init__`` of ``cls`` (checked by :func:`quick_init`)."""
    names: dict[str, Any] = {"__cls": cls, "__slow": slow, "__type": type}
    args: list[str] = []
    body: list[str] = []
    for i, f in enumerate(dataclasses.fields(cls)):
        store = f"__set{i}"
        names[store] = cls.__dict__[f.name].__set__
        value = f.name
        if f.default is not dataclasses.MISSING:
            names[f"__dflt{i}"] = f.default
            args.append(f"{f.name}=__dflt{i}")
        elif f.default_factory is not dataclasses.MISSING:
            # the sentinel dataclasses uses, so the signature reads the same (``<factory>``)
            names["__factory_marker"] = dataclasses._HAS_DEFAULT_FACTORY  # type: ignore[attr-defined]
            names[f"__factory{i}"] = f.default_factory
            args.append(f"{f.name}=__factory_marker")
            value = f"__factory{i}() if {f.name} is __factory_marker else {f.name}"
        else:
            args.append(f.name)
        body.append(f"        {store}(self, {value})")
    passed = ", ".join(f.name for f in dataclasses.fields(cls))
    # the names are the function's closure: each read is a cell, not a dictionary lookup
    source = (
        f"def __make({', '.join(names)}):\n"
        f"    def __init__(self, {', '.join(args)}):\n"
        "        if __type(self) is not __cls:\n"
        f"            return __slow(self, {passed})\n" + "\n".join(body) + "\n"
        "    return __init__\n"
    )
    scope: dict[str, Any] = {}
    exec(source, {}, scope)  # built above from the class's own field names
    init = scope["__make"](*names.values())
    _dress(init, cls, slow)
    return init


def _dress(fn: Any, cls: type, slow: Any) -> None:
    fn.__name__ = "__init__"
    fn.__qualname__ = f"{cls.__qualname__}.__init__"
    fn.__module__ = cls.__module__
    fn.__doc__ = slow.__doc__
    fn.__annotations__ = dict(slow.__annotations__)
    fn.__wrapped__ = slow  # the dataclass's own: its signature, for inspect
