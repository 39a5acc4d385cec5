"""Values written on one line of a golden file, read as PyYAML's safe loader reads them.

The part of :mod:`evalgate.config.yamlfast` that reads values: plain scalars (resolved by
PyYAML's own resolver and constructed by its constructor: YAML 1.1, ``yes``/``no`` booleans,
octal and sexagesimal integers, timestamps...), quoted scalars on one line, and flow
collections on one line. Whatever it does not read exactly as the event reader does raises
:class:`NotSubset`.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from evalgate.config.yamlsrc import Doc, PathKey, _Builder, _Loader

_DQ = re.compile(r'"((?:[^"\\]|\\.)*)"')
_SQ = re.compile(r"'((?:[^']|'')*)'")
AFTER = re.compile(r"(?: +#.*| *)")  # what may follow a value on its line
# double-quoted text whose escapes JSON reads as YAML does (no surrogates, no YAML-only escapes)
_JSON_ESCAPES = re.compile(r'(?:[^\\]|\\["\\bfnrt]|\\u(?![dD][89abAB])[0-9a-fA-F]{4})*')
# a plain scalar inside a flow collection (no ':' or '#': those leave the subset)
_FLOW_PLAIN = re.compile(r"(?:[^\s,\[\]{}:#'\"&*!|>%@`?-]|-(?=[^\s,\[\]{}]))[^,\[\]{}:#]*")
_STR = "tag:yaml.org,2002:str"
MAX_CACHED = 20_000  # distinct scalars and flow values remembered per file
MAX_CACHED_LEN = 200
MISS = object()
_NO_MARK = yaml.Mark("", 0, 0, 0, "", 0)


class NotSubset(Exception):
    """The document leaves the subset the fast reader reads (see :mod:`yamlfast`)."""


class ValueReader:
    """Reads the values of one file, remembering the scalars and keys it has read."""

    def __init__(self, file: str) -> None:
        self.file = file
        self._loader: Any = _Loader("")
        # first characters of the plain scalars the resolver may read as something else than
        # a string (it looks only at those: :meth:`yaml.resolver.BaseResolver.resolve`)
        table = self._loader.yaml_implicit_resolvers
        self._typed_first: frozenset[str] | None = (
            frozenset(table) if None not in table and not self._loader.yaml_path_resolvers else None
        )
        self._scalars: dict[str, Any] = {}  # plain scalar text -> value
        # plain keys found to be strings: one object for every equal key of the file
        self._keys: dict[str, str] = {}

    def close(self) -> None:
        self._loader.dispose()

    def _plain(self, text: str) -> Any:
        hit = self._scalars.get(text, MISS)
        if hit is not MISS:
            return hit
        value = self._resolve(text)
        if len(text) <= MAX_CACHED_LEN and len(self._scalars) < MAX_CACHED:
            self._scalars[text] = value
        return value

    def _resolve(self, text: str) -> Any:
        """A plain scalar's value, as the event reader builds it."""
        typed = self._typed_first
        if typed is not None and text and text[0] not in typed:
            return text  # no resolver for its first character: a string, as resolve() says
        ld = self._loader
        tag: str = ld.resolve(yaml.ScalarNode, text, (True, False))
        if tag == _STR:
            return text
        if tag.endswith((":merge", ":value")):
            raise NotSubset()
        node = yaml.ScalarNode(tag, text, _NO_MARK, _NO_MARK, None)
        builder = _Builder(Doc(self.file, None), ld, None)
        try:
            value = builder.scalar(node, ())
        except yaml.YAMLError as exc:
            raise NotSubset() from exc
        finally:
            ld.constructed_objects.pop(node, None)
        if builder.problems:
            raise NotSubset()
        return value

    def _key(self, key: str) -> str:
        """The plain key, one object for every equal key of the file (a golden set is held
        for the whole run); NotSubset when it is read as something else than a string."""
        known = self._keys.get(key)
        if known is not None:
            return known
        if self._loader.resolve(yaml.ScalarNode, key, (True, False)) != _STR:
            raise NotSubset()  # a key read as a number, boolean, null or date
        if len(self._keys) < MAX_CACHED:
            self._keys[key] = key
        return key

    def _flow_node(
        self, s: str, i: int, rel: PathKey, marks: list[tuple[PathKey, int, bool]]
    ) -> tuple[Any, int]:
        """The flow node at ``s[i]`` (no space before it), and the offset after it."""
        if rel:
            marks.append((rel, i, False))
        c = s[i : i + 1]
        if c == "[":
            out: list[Any] = []
            i = skip(s, i + 1)
            while s[i : i + 1] != "]":
                at, erel = i, (*rel, len(out))
                value, i = self._flow_node(s, i, erel, marks)
                if s[i : i + 2] == ": " and s[at] != "[" and s[at] != "{":
                    # a single pair ("[contains: x]"): a mapping placed where its key is
                    key, _ = self._flow_scalar(s, at, is_key=True)
                    kpath = (*erel, key)
                    marks.append((kpath, at, True))
                    i = skip(s, i + 2)
                    pair, i = self._flow_node(s, i, kpath, marks)
                    value = {key: pair}
                out.append(value)
                i = skip(s, i)
                if s[i : i + 1] == ",":
                    i = skip(s, i + 1)
                    if s[i : i + 1] == "]":
                        raise NotSubset()  # a trailing comma
                elif s[i : i + 1] != "]":
                    raise NotSubset()
            return out, i + 1
        if c == "{":
            mapping: dict[str, Any] = {}
            i = skip(s, i + 1)
            while s[i : i + 1] != "}":
                kat = i
                key, i = self._flow_scalar(s, i, is_key=True)
                if s[i : i + 2] != ": " or key in mapping:
                    raise NotSubset()
                kpath = (*rel, key)
                marks.append((kpath, kat, True))
                i = skip(s, i + 2)
                mapping[key], i = self._flow_node(s, i, kpath, marks)
                i = skip(s, i)
                if s[i : i + 1] == ",":
                    i = skip(s, i + 1)
                    if s[i : i + 1] == "}":
                        raise NotSubset()
                elif s[i : i + 1] != "}":
                    raise NotSubset()
            return mapping, i + 1
        value, i = self._flow_scalar(s, i, is_key=False)
        return value, i

    def _flow_scalar(self, s: str, i: int, *, is_key: bool) -> tuple[Any, int]:
        c = s[i : i + 1]
        if c == '"' or c == "'":
            value, end = quoted(s, i)
            return value, end
        m = _FLOW_PLAIN.match(s, i)
        if m is None:
            raise NotSubset()
        text = m.group().rstrip(" ")
        if is_key:
            text = self._key(text)
            return text, i + len(text)
        return self._plain(text), i + len(text)


def skip(s: str, i: int) -> int:
    """The offset of the first character from ``i`` that is not a space."""
    while s[i : i + 1] == " ":
        i += 1
    return i


def quoted(s: str, i: int) -> tuple[str, int]:
    """The quoted scalar at ``s[i]`` on one line, and the offset after it."""
    if s[i] == "'":
        m = _SQ.match(s, i)
        if m is None:
            raise NotSubset()  # not closed on its line
        return m.group(1).replace("''", "'"), m.end()
    m = _DQ.match(s, i)
    if m is None:
        raise NotSubset()
    inner = m.group(1)
    if "\\" in inner:
        if not _JSON_ESCAPES.fullmatch(inner):
            raise NotSubset()
        try:
            inner = json.loads(f'"{inner}"')
        except ValueError as exc:
            raise NotSubset() from exc
    return inner, m.end()


def copy_value(value: Any) -> Any:
    """A fresh copy of a flow value (its containers; scalars are immutable)."""
    if type(value) is dict:
        return {k: copy_value(v) for k, v in value.items()}
    if type(value) is list:
        return [copy_value(v) for v in value]
    return value
