"""One golden file's cases built from its values: scorers checked, defaults applied, content
hashes, and the compact form the run holds them in (:class:`~evalgate.model.PackedCase`)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from evalgate.config.case_hash import (
    CaseReads,
    MetadataTexts,
    canonical_json,
    canonical_json_flat,
    hash_text,
)
from evalgate.config.schema import did_you_mean, validate_value
from evalgate.config.yamlflow import copy_value
from evalgate.config.yamlsrc import Doc, PathKey
from evalgate.errors import Problem
from evalgate.model import Case, ExpectShape, PackedCase, ScorerSpec, SpecShape, Turn, pack_input
from evalgate.scorers.registry import Registry, ScorerDef

ParamCheck = Callable[[str, Any, str], list[str]]
# an expect item found valid: its path below the list, scorer, params, weight, canonical JSON
_SeenSpec = tuple[PathKey, str, Any, float, str]
_MAX_SEEN = 10_000  # expect lists remembered per file: memory stays flat


class FileLoader:
    def __init__(
        self, doc: Doc, registry: Registry, check: ParamCheck | None, reads: CaseReads
    ) -> None:
        self.doc = doc
        self.registry = registry
        self._scorers: dict[str, ScorerDef | None] = {}  # the registry, asked once per name
        self.check = check
        self.reads = reads
        self.problems: list[Problem] = []
        # equal parameter and metadata values (most cases repeat their file's) become one
        # object: a large golden set is held in memory for the whole run
        self._shared: dict[str, Any] = {}
        self.good_params: set[tuple[str, str]] = set()  # (scorer, params) already found valid
        self.shape_problems: list[Problem] = []  # a case with both or neither input and turns
        self.meta_texts = MetadataTexts(reads)
        # (scorer, params text, weight) -> the item's canonical JSON text in the content hash
        self._spec_json: dict[tuple[str, str, str], str] = {}
        # expect lists found valid, by their repr or their Doc.value_key
        self._expect_seen: dict[Hashable, tuple[_SeenSpec, ...]] = {}
        self._shapes: dict[tuple[Any, ...], ExpectShape] = {}  # see _packed
        self._valid_expects: set[Hashable] = set()  # see case_problems
        self._last_key: tuple[Doc | None, PathKey, Hashable | None] = (None, (), None)
        self._replayed: dict[tuple[Any, ...], tuple[Any, list[str], bool]] = {}
        self._by_layout: dict[Hashable, tuple[Any, list[str], bool]] = {}  # see _case_expect

    def case_problems(self, data: Any, schema: Mapping[str, Any], path: PathKey) -> list[Problem]:
        """A case's problems against the case ``schema``: an expect list found valid before
        (the same :meth:`Doc.value_key`) is not checked again."""
        key = self._value_key((*path, "expect"))
        if key is not None and key in self._valid_expects:
            return validate_value(self.doc, data, schema, path, known=("expect",))
        problems = validate_value(self.doc, data, schema, path)
        if not problems and key is not None and len(self._valid_expects) < _MAX_SEEN:
            self._valid_expects.add(key)  # the whole case valid: its expect list is
        return problems

    def _value_key(self, path: PathKey) -> Hashable | None:
        """``self.doc.value_key(path)``, asked once per document and path."""
        last = self._last_key
        if last[0] is self.doc and last[1] == path:
            return last[2]
        key = self.doc.value_key(path)
        self._last_key = (self.doc, path, key)
        return key

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
        if len(self.problems) == before and len(self._expect_seen) < _MAX_SEEN:
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

    def _case_expect(
        self, items: Any, path: PathKey, line: int, ctx: FileDefaults
    ) -> tuple[tuple[ScorerSpec, ...], list[str], bool]:
        """A case's scorers with the file's defaults, as the case holds them (see
        :meth:`_packed`), their texts for the content hash, and whether one is custom."""
        if not isinstance(items, list):
            return self._packed(ctx.expect, line, 0), ctx.expect_texts, ctx.custom
        key = self._value_key(path)
        if key is not None:
            # an item read in a learnt layout: the layout places its scorers as it placed
            # those of the item before with the same key (the same lines from the case's own)
            done = self._by_layout.get(key)
            if done is not None:
                return done
            done = self._case_expect_seen(items, path, line, ctx, key)
            # remembered once found valid, and held relative to the case (an ExpectShape)
            held: object = done[0]
            relative = not held or type(held) is ExpectShape
            if relative and key in self._expect_seen and len(self._by_layout) < _MAX_SEEN:
                self._by_layout[key] = done
            return done
        return self._case_expect_seen(items, path, line, ctx, repr(items))

    def _case_expect_seen(
        self, items: list[Any], path: PathKey, line: int, ctx: FileDefaults, key: Hashable
    ) -> tuple[tuple[ScorerSpec, ...], list[str], bool]:
        hit = self._expect_seen.get(key)
        if hit is None:  # checked now (and remembered when found valid)
            specs, texts = self._expect(items, path, key)
            custom = ctx.custom or any(self._custom(s.name) for s in specs)
            return (
                self._packed(specs + ctx.expect, line, len(specs)),
                texts + ctx.expect_texts,
                custom,
            )
        # a list seen before: its shape for this layout, without building its records
        pos = self.doc.pos
        spots = tuple(pos(path + seen[0], key=True) for seen in hit)
        key = (id(hit), *((at - line, col) for at, col in spots))
        done = self._replayed.get(key)
        if done is None:
            specs = tuple(
                ScorerSpec(name, params, self.doc.file, at, col, weight)
                for (_, name, params, weight, _), (at, col) in zip(hit, spots, strict=True)
            )
            texts = [seen[4] for seen in hit] + ctx.expect_texts
            custom = ctx.custom or any(self._custom(s.name) for s in specs)
            done = (self._packed(specs + ctx.expect, line, len(specs)), texts, custom)
            if len(self._replayed) < _MAX_SEEN:  # the hit, held by _expect_seen, keeps its id
                self._replayed[key] = done
        return done

    def _packed(self, specs: tuple[ScorerSpec, ...], line: int, own: int) -> tuple[ScorerSpec, ...]:
        """``specs`` as a case at ``line`` holds them: one :class:`ExpectShape` for every case
        of the file with the same scorers laid out alike (a golden set is held for the whole
        run; most cases repeat their file's expect list)."""
        if not specs:
            return ()
        # a shape holds its params, so their ids stay theirs while it is remembered
        # the first ``own`` are the case's (placed relative to it), the rest the file's defaults
        lines = [s.line - line if i < own else s.line for i, s in enumerate(specs)]
        key = (
            own,
            *(
                (s.name, id(s.params), s.weight, n, s.col)
                for s, n in zip(specs, lines, strict=True)
            ),
        )
        shape = self._shapes.get(key)
        if shape is None:
            if len(self._shapes) >= _MAX_SEEN:
                return specs
            shape = ExpectShape(
                SpecShape(s.name, s.params, n, s.col, s.weight, i < own)
                for i, (s, n) in enumerate(zip(specs, lines, strict=True))
            )
            self._shapes[key] = shape
        return shape  # type: ignore[return-value]  # PackedCase reads it back as specs

    def context(self, data: dict[str, Any], default_dataset: str) -> FileDefaults:
        """The file's dataset and defaults (the defaults' scorers checked once, here)."""
        defaults = data.get("defaults") or {}
        d_expect, texts = self._expect(defaults.get("expect"), ("defaults", "expect"))
        dataset = str(data.get("dataset") or default_dataset)
        metadata = self.share(defaults.get("metadata") or {})
        custom = any(self._custom(s.name) for s in d_expect)
        return FileDefaults(
            dataset, defaults, d_expect, texts, canonical_json(dataset), metadata, custom
        )

    def check_expects(self, c: Any, i: int) -> None:
        """Check a case's scorers only: the case did not match the schema, so is not built."""
        if isinstance(c, dict):
            self.expect(c.get("expect"), ("cases", i, "expect"))
            turns = c.get("turns")
            for j, t in enumerate(turns if isinstance(turns, list) else ()):
                if isinstance(t, dict):
                    self.expect(t.get("expect"), ("cases", i, "turns", j, "expect"))

    def case(self, c: dict[str, Any], i: int, ctx: FileDefaults) -> Case:
        """One schema-valid case, with the file's defaults applied."""
        defaults = ctx.defaults
        path: PathKey = ("cases", i)
        has_input, has_turns = "input" in c, "turns" in c
        if has_input == has_turns:
            self.shape_problems.append(
                self.doc.problem(
                    path,
                    f"case '{c.get('id')}' needs exactly one of 'input' (a single call) or"
                    " 'turns' (a multi-turn session)",
                )
            )
        line, _ = self.doc.pos(path)
        expect, expect_texts, custom = self._case_expect(
            c.get("expect"), (*path, "expect"), line, ctx
        )
        raw_turns = c.get("turns")
        turns = (
            tuple(
                Turn(
                    input=held(t.get("input") or {}),
                    expect=self.expect(t.get("expect"), (*path, "turns", j, "expect")),
                )
                for j, t in enumerate(raw_turns)
            )
            if raw_turns
            else ()
        )
        own = c.get("metadata")
        metadata = self.share({**(defaults.get("metadata") or {}), **own}) if own else ctx.metadata
        d_tags, c_tags = defaults.get("tags"), c.get("tags")
        tags = tuple(dict.fromkeys([*(d_tags or []), *(c_tags or [])])) if d_tags or c_tags else ()
        skip = c.get("skip", False)
        weight = float(c.get("weight", defaults.get("weight", 1.0)))
        threshold = c.get("threshold", defaults.get("threshold"))
        if turns and not custom:
            custom = any(self._custom(s.name) for t in turns for s in t.expect)
        # the canonical JSON of {dataset?, expect, input, metadata, tags?, threshold, turns}
        # (keys in sorted order), put together from its parts' texts: see MetadataTexts
        head = f'{{"dataset":{ctx.dataset_json},' if self.reads.dataset else "{"
        canon = "".join(
            (
                head,
                '"expect":[',
                ",".join(expect_texts),
                '],"input":',
                canonical_json_flat(c.get("input")),
                ',"metadata":',
                self.meta_texts.text(metadata, custom),
                f',"tags":{canonical_json(list(tags))}' if self.reads.tags else "",
                ',"threshold":',
                "null" if threshold is None else canonical_json(threshold),
                ',"turns":',
                canonical_json(
                    [{"expect": [_spec_key(s) for s in t.expect], "input": t.input} for t in turns]
                )
                if turns
                else "[]",
                "}",
            )
        )
        packed = pack_input(c.get("input") or (turns[0].input if turns else {}))
        return PackedCase.of(  # the fields in order: id, dataset, input, expect, turns, ...
            str(c["id"]),
            ctx.dataset,
            packed if type(packed) is bytes else held(packed),
            expect,
            turns,
            tags,
            metadata,
            weight,
            int(c.get("repeat", defaults.get("repeat", 1))),
            None if threshold is None else float(threshold),
            bool(skip),
            skip if isinstance(skip, str) else None,
            c.get("review"),
            None if (source := c.get("source")) is None else held(source),
            c.get("description"),
            self.doc.file,
            line,
            hash_text(canon),
        )


@dataclass(frozen=True)
class FileDefaults:
    dataset: str
    defaults: dict[str, Any]
    expect: tuple[ScorerSpec, ...]
    expect_texts: list[str]  # the canonical JSON of each of ``expect`` (see FileLoader._expect)
    dataset_json: str
    metadata: dict[str, Any]  # the defaults' metadata, shared
    custom: bool  # a default scorer is a custom one


def held(value: Any) -> Any:
    """A value a case holds as it was read, with containers of its own: a reader may give
    several items the same container for equal text (the line reader's flow values, an
    alias). Parameters and metadata are shared on purpose (see :meth:`FileLoader.share`)."""
    return copy_value(value)


def _spec_key(s: ScorerSpec) -> list[Any]:
    return [s.name, s.params, s.weight]


def _prefix(problems: list[Problem], scorer: str) -> list[Problem]:
    return [Problem(p.file, p.line, p.col, f"{scorer}: {p.message}") for p in problems]


def param_check() -> ParamCheck | None:
    try:
        checks = importlib.import_module("evalgate.scorers.checks")
    except ImportError:
        return None
    fn: ParamCheck | None = getattr(checks, "check_params", None)
    return fn
