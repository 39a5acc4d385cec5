"""One golden file's cases built from its values: scorers checked (by
:class:`~evalgate.config.expectcheck.ExpectChecker`), defaults applied, content hashes, and
the compact form the run holds them in (:class:`~evalgate.model.PackedCase`)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from evalgate.config.case_hash import (
    CaseReads,
    MetadataTexts,
    canonical_json,
    canonical_json_flat,
    hash_text,
)
from evalgate.config.expectcheck import MAX_SEEN, ExpectChecker, ParamCheck
from evalgate.config.schema import validate_value
from evalgate.config.yamlflow import copy_value
from evalgate.config.yamlsrc import Doc, PathKey
from evalgate.errors import Problem
from evalgate.model import Case, ExpectShape, PackedCase, ScorerSpec, SpecShape, Turn, pack_input
from evalgate.scorers.registry import Registry


class FileLoader(ExpectChecker):
    def __init__(
        self, doc: Doc, registry: Registry, check: ParamCheck | None, reads: CaseReads
    ) -> None:
        super().__init__(doc, registry, check)
        self.reads = reads
        self.shape_problems: list[Problem] = []  # a case with both or neither input and turns
        self.meta_texts = MetadataTexts(reads)
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
        if not problems and key is not None and len(self._valid_expects) < MAX_SEEN:
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
            if relative and key in self._expect_seen and len(self._by_layout) < MAX_SEEN:
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
            if len(self._replayed) < MAX_SEEN:  # the hit, held by _expect_seen, keeps its id
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
            if len(self._shapes) >= MAX_SEEN:
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
