"""The scorers of a golden file's ``expect`` lists, checked: each name looked up in the
registry, its parameters checked against the scorer's schema and its own check once per
distinct value, equal values shared, each item's canonical JSON text for the content hash,
and each list found valid remembered so that an equal list is replayed, not checked again.
The case builder (:class:`~evalgate.config.casebuild.FileLoader`) builds on it."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Hashable
from typing import Any

from evalgate.config.case_hash import canonical_json
from evalgate.config.schema import did_you_mean, validate_value
from evalgate.config.yamlsrc import Doc, PathKey
from evalgate.errors import Problem
from evalgate.model import ScorerSpec
from evalgate.scorers.registry import Registry, ScorerDef

ParamCheck = Callable[[str, Any, str], list[str]]
# an expect item found valid: its path below the list, scorer, params, weight, canonical JSON
_SeenSpec = tuple[PathKey, str, Any, float, str]
MAX_SEEN = 10_000  # expect lists remembered per file: memory stays flat


class ExpectChecker:
    """The ``expect`` lists of one file (``doc``: the document, or the item, being read),
    with every problem found in them in :attr:`problems`."""

    def __init__(self, doc: Doc, registry: Registry, check: ParamCheck | None) -> None:
        self.doc = doc
        self.registry = registry
        self._scorers: dict[str, ScorerDef | None] = {}  # the registry, asked once per name
        self.check = check
        self.problems: list[Problem] = []
        # equal parameter and metadata values (most cases repeat their file's) become one
        # object: a large golden set is held in memory for the whole run
        self._shared: dict[str, Any] = {}
        self.good_params: set[tuple[str, str]] = set()  # (scorer, params) already found valid
        # (scorer, params text, weight) -> the item's canonical JSON text in the content hash
        self._spec_json: dict[tuple[str, str, str], str] = {}
        # expect lists found valid, by their repr or their Doc.value_key
        self._expect_seen: dict[Hashable, tuple[_SeenSpec, ...]] = {}

    def scorer(self, name: str) -> ScorerDef | None:
        try:
            return self._scorers[name]
        except KeyError:
            return self._scorers.setdefault(name, self.registry.get(name))

    def share(self, value: Any) -> Any:
        """One object for every equal (read-only) value loaded from this file."""
        return self._share(value)[0]

    def _share(self, value: Any) -> tuple[Any, str]:
        """:meth:`share`, and the value's text (its identity among this file's values)."""
        # repr: equal YAML values (str, int, float, bool, None, dict, list) have equal texts,
        # and unequal ones (1, 1.0, true, '1') different ones; key order kept
        key = repr(value)
        if not isinstance(value, (dict, list)):
            return value, key
        return self._shared.setdefault(key, value), key

    def expect(self, items: Any, path: PathKey) -> tuple[ScorerSpec, ...]:
        return self._expect(items, path)[0]

    def _expect(
        self, items: Any, path: PathKey, key: Hashable | None = None
    ) -> tuple[tuple[ScorerSpec, ...], list[str]]:
        """The scorers of an ``expect`` list, and each one's canonical JSON text as the
        content hash holds it (``[name, params, weight]``). ``key``: the list's identity
        (:meth:`Doc.value_key`), else its ``repr``."""
        if not isinstance(items, list):
            return (), []
        # most cases repeat the same expect list: one found without a problem is replayed
        if key is None:
            key = repr(items)
        hit = self._expect_seen.get(key)
        if hit is not None:
            pos, file = self.doc.pos, self.doc.file
            return tuple(
                ScorerSpec(name, params, file, *pos((*path, *rel), key=True), weight)
                for rel, name, params, weight, _ in hit
            ), [jtext for *_, jtext in hit]
        before = len(self.problems)
        specs, texts, seen = self._expect_items(items, path)
        if len(self.problems) == before and len(self._expect_seen) < MAX_SEEN:
            self._expect_seen[key] = seen
        return specs, texts

    def _expect_items(
        self, items: list[Any], path: PathKey
    ) -> tuple[tuple[ScorerSpec, ...], list[str], tuple[_SeenSpec, ...]]:
        specs: list[ScorerSpec] = []
        texts: list[str] = []
        seen: list[_SeenSpec] = []
        for i, item in enumerate(items):
            ipath = (*path, i)
            if isinstance(item, str):
                name, params, weight, ppath = item, True, 1.0, ipath
            elif isinstance(item, dict):
                keys = [k for k in item if k != "weight"]
                if len(keys) != 1:
                    self.problems.append(
                        self.doc.problem(
                            ipath,
                            "each expect item names exactly one scorer"
                            f" (found {len(keys)}: {', '.join(keys) or 'none'});"
                            " write one '- scorer: params' item per scorer",
                        )
                    )
                    continue
                name = keys[0]
                params, weight, ppath = item[name], float(item.get("weight", 1.0)), (*ipath, name)
            else:
                continue
            d = self.scorer(name)
            if d is None:
                hint = did_you_mean(name, self.registry.names())
                self.problems.append(
                    self.doc.problem(
                        ppath,
                        f"unknown scorer '{name}'{hint}"
                        + ("" if hint else "; see 'evalgate validate --list-scorers'"),
                        key=True,
                    )
                )
                continue
            # equal parameters are common ("refusal: false" in every case): check each once
            params, text = self._share(params)
            key = (name, text)
            known_good = key in self.good_params
            schema_problems = (
                _prefix(validate_value(self.doc, params, d.params_schema, ppath), name)
                if d.params_schema is not None and not known_good
                else []
            )
            self.problems.extend(schema_problems)
            messages: list[str] = []
            if self.check is not None and not schema_problems and not known_good:
                messages = self.check(name, params, self.doc.file)
            if not schema_problems and not messages:
                self.good_params.add(key)
            if messages:
                for msg in messages:
                    self.problems.append(self.doc.problem(ppath, f"{name}: {msg}"))
            line, col = self.doc.pos(ppath, key=True)
            specs.append(ScorerSpec(name, params, self.doc.file, line, col, weight))
            jkey = (name, text, repr(weight))
            jtext = self._spec_json.get(jkey)
            if jtext is None:
                jtext = self._spec_json.setdefault(jkey, canonical_json([name, params, weight]))
            texts.append(jtext)
            seen.append((ppath[len(path) :], name, params, weight, jtext))
        return tuple(specs), texts, tuple(seen)

    def _custom(self, name: str) -> bool:
        d = self.scorer(name)
        return d is not None and d.origin != "builtin"


def _prefix(problems: list[Problem], scorer: str) -> list[Problem]:
    return [Problem(p.file, p.line, p.col, f"{scorer}: {p.message}") for p in problems]


def param_check() -> ParamCheck | None:
    try:
        checks = importlib.import_module("evalgate.scorers.checks")
    except ImportError:
        return None
    fn: ParamCheck | None = getattr(checks, "check_params", None)
    return fn
