"""Request templating: ``{{ input.message }}`` placeholders rendered from a call's context.

A template is any JSON value (the request body, a header value, the URL, a query value).
Strings that are exactly one placeholder keep the value's JSON type; placeholders embedded in
longer strings are stringified. Templates are compiled once into small closures, so rendering a
body costs a few dictionary lookups per call.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from evalgate.errors import ConfigError
from evalgate.model import JSON
from evalgate.target.context import (
    CASE_FIELDS,
    CASE_GETTERS,
    ROOT_GETTERS,
    ROOTS,
    SCALAR_ROOTS,
    Getter,
    TemplateContext,
    json_default,
)

_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_EXPR = re.compile(
    r"^(?P<path>[A-Za-z_][\w-]*(?:\.[\w-]+|\[\d+\])*)"
    r"(?:\s*\|\s*(?P<filter>[A-Za-z_]\w*)\s*(?:\((?P<arg>.*)\))?)?$",
    re.DOTALL,
)
_SEGMENT = re.compile(r"\.([\w-]+)|\[(\d+)\]")


class _Missing:
    """The value of a placeholder that found nothing."""


class _Omit:
    """``default(omit)``: drop the key (or list item) that holds the placeholder."""


MISSING: Any = _Missing()
OMIT: Any = _Omit()


@dataclass(frozen=True)
class TemplateProblem:
    """A mistake in a template; ``path`` locates the string inside the template value."""

    path: tuple[str | int, ...]
    message: str

    def __str__(self) -> str:
        return f"{_format_path(self.path)}: {self.message}" if self.path else self.message


Render = Callable[[TemplateContext], Any]


@dataclass(frozen=True)
class _Placeholder:
    text: str
    root: str
    segments: tuple[str | int, ...]
    default: Any  # MISSING when no default filter

    @property
    def path(self) -> str:
        return self.root + "".join(
            f"[{s}]" if isinstance(s, int) else f".{s}" for s in self.segments
        )


def _parse(text: str) -> _Placeholder | str:
    """Parse the inside of ``{{ ... }}``; return the placeholder or a message."""
    inner = text.strip()
    if not inner:
        return "empty placeholder '{{ }}'"
    m = _EXPR.match(inner)
    if m is None:
        return f"cannot read placeholder '{{{{ {inner} }}}}': expected a name like input.message"
    path = m["path"]
    root = re.match(r"[\w-]+", path)
    assert root is not None
    segments: tuple[str | int, ...] = tuple(
        int(idx) if idx else key for key, idx in _SEGMENT.findall(path[root.end() :])
    )
    name = root.group()
    if name not in ROOTS:
        hint = difflib.get_close_matches(name, ROOTS, n=1)
        did = f" (did you mean '{hint[0]}'?)" if hint else ""
        return f"unknown name '{name}' in '{{{{ {inner} }}}}'{did}; known: {', '.join(ROOTS)}"
    if name == "case" and segments and segments[0] not in CASE_FIELDS:
        return (
            f"unknown case field '{segments[0]}' in '{{{{ {inner} }}}}'; "
            f"known: {', '.join('case.' + f for f in CASE_FIELDS)}"
        )
    if name in SCALAR_ROOTS and segments:
        return f"'{name}' is a single value; '{{{{ {inner} }}}}' cannot look inside it"
    default: Any = MISSING
    if m["filter"] is not None:
        if m["filter"] != "default" or m["arg"] is None:
            return (
                f"unknown filter '{m['filter']}' in '{{{{ {inner} }}}}'; only default(...) exists"
            )
        parsed = _literal(m["arg"].strip())
        if isinstance(parsed, str) and parsed.startswith("\0"):
            return f"default({m['arg']}) in '{{{{ {inner} }}}}': {parsed[1:]}"
        default = parsed
    return _Placeholder(inner, name, segments, default)


def _literal(arg: str) -> Any:
    if arg == "omit":
        return OMIT
    if len(arg) >= 2 and arg[0] == arg[-1] == "'":
        return arg[1:-1]
    try:
        return json.loads(arg)
    except ValueError:
        return '\0expected a JSON literal ("text", 3, true, null, [], {}) or omit'


def _getter(p: _Placeholder) -> Getter:
    if p.root == "case" and p.segments:
        first, rest = CASE_GETTERS[str(p.segments[0])], p.segments[1:]
    else:
        first, rest = ROOT_GETTERS[p.root], p.segments
    default = p.default
    if not rest and default is MISSING:
        return first

    def get(ctx: TemplateContext) -> Any:
        value = first(ctx)
        for seg in rest:
            if isinstance(seg, int):
                if isinstance(value, Sequence) and not isinstance(value, str) and seg < len(value):
                    value = value[seg]
                    continue
            elif isinstance(value, Mapping) and seg in value:
                value = value[seg]
                continue
            return MISSING if default is MISSING else default
        if value is None and default is not MISSING:
            return default
        return value

    return get


def _stringify(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None or value is MISSING or value is OMIT:
        return ""
    return json.dumps(value, ensure_ascii=False, default=json_default)


def _compile(value: JSON, path: tuple[str | int, ...], problems: list[TemplateProblem]) -> Render:
    if isinstance(value, str):
        return _compile_str(value, path, problems)
    if isinstance(value, Mapping):
        items = [(str(k), _compile(v, (*path, str(k)), problems)) for k, v in value.items()]

        def render_dict(ctx: TemplateContext) -> Any:
            out = {}
            for k, r in items:
                v = r(ctx)
                if v is not OMIT:
                    out[k] = v
            return out

        return render_dict
    if isinstance(value, (list, tuple)):
        parts = [_compile(v, (*path, i), problems) for i, v in enumerate(value)]
        return lambda ctx: [v for v in (r(ctx) for r in parts) if v is not OMIT]
    return lambda ctx: value


def _compile_str(text: str, path: tuple[str | int, ...], problems: list[TemplateProblem]) -> Render:
    if "{{" not in text:
        return lambda ctx: text
    pieces: list[str | Getter] = []
    pos = 0
    for m in _PLACEHOLDER.finditer(text):
        pieces.append(text[pos : m.start()])
        parsed = _parse(m.group(1))
        if isinstance(parsed, str):
            problems.append(TemplateProblem(path, parsed))
            pieces.append(lambda ctx: MISSING)
        else:
            pieces.append(_getter(parsed))
        pos = m.end()
    tail = text[pos:]
    if "{{" in tail:
        problems.append(TemplateProblem(path, f"'{{{{' without a closing '}}}}' in {text!r}"))
    pieces.append(tail)
    if len(pieces) == 3 and pieces[0] == "" and pieces[2] == "":
        lone = pieces[1]
        assert callable(lone)
        return lambda ctx: None if (v := lone(ctx)) is MISSING else v
    parts = [p for p in pieces if p != ""]

    def render_str(ctx: TemplateContext) -> str:
        return "".join(p if isinstance(p, str) else _stringify(p(ctx)) for p in parts)

    return render_str


class Template:
    """A compiled template; ``render(ctx)`` returns a fresh JSON value."""

    def __init__(self, value: JSON) -> None:
        problems: list[TemplateProblem] = []
        self.source = value
        self._render = _compile(value, (), problems)
        self.problems = tuple(problems)
        self.is_constant = not placeholders(value)

    def render(self, ctx: TemplateContext) -> JSON:
        out = self._render(ctx)
        return None if out is OMIT else out


def compile_template(value: JSON, where: str = "template") -> Template:
    """Compile ``value``; raise ConfigError naming ``where`` when it has mistakes."""
    t = Template(value)
    if t.problems:
        msgs = "; ".join(str(p) for p in t.problems)
        raise ConfigError(f"{where}: {msgs}")
    return t


def template_problems(value: JSON) -> list[TemplateProblem]:
    """Every mistake in a template, each with its location inside the value."""
    problems: list[TemplateProblem] = []
    _compile(value, (), problems)
    return problems


def check_template(value: JSON) -> list[str]:
    """Messages for unknown names, bad filters and unclosed ``{{`` in a template."""
    return [str(p) for p in template_problems(value)]


def placeholders(value: JSON) -> list[str]:
    """The placeholder paths used in a template (``input.message``, ...), in order, once each."""
    seen: dict[str, None] = {}

    def walk(v: JSON) -> None:
        if isinstance(v, str):
            for m in _PLACEHOLDER.finditer(v):
                p = _parse(m.group(1))
                seen[p.path if isinstance(p, _Placeholder) else m.group(1).strip()] = None
        elif isinstance(v, Mapping):
            for x in v.values():
                walk(x)
        elif isinstance(v, (list, tuple)):
            for x in v:
                walk(x)

    walk(value)
    return list(seen)


def _format_path(path: Sequence[str | int]) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
    return out


@dataclass(frozen=True)
class PlaceholderUse:
    """A placeholder as written: its text, root, path segments and whether it has a default."""

    text: str
    root: str
    segments: tuple[str | int, ...]
    has_default: bool


def placeholder_uses(value: JSON) -> list[PlaceholderUse]:
    """Every well-formed placeholder in a template (for checks against the loaded cases)."""
    out: list[PlaceholderUse] = []

    def walk(v: JSON) -> None:
        if isinstance(v, str):
            for m in _PLACEHOLDER.finditer(v):
                p = _parse(m.group(1))
                if isinstance(p, _Placeholder):
                    out.append(
                        PlaceholderUse(m.group(0), p.root, p.segments, p.default is not MISSING)
                    )
        elif isinstance(v, Mapping):
            for x in v.values():
                walk(x)
        elif isinstance(v, (list, tuple)):
            for x in v:
                walk(x)

    walk(value)
    return out
