"""The fast golden reader against the event reader, its oracle: every document it takes gives
the same values, positions, cases, content hashes and problems; any other it leaves alone."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalgate.config import goldens
from evalgate.config.yamlfast import FastStream, FlowDoc, NotSubset
from evalgate.config.yamlshape import LINE, Shape, build, compiled
from evalgate.config.yamlstream import Fallback, ItemStream, YamlFailure
from evalgate.model import Case
from evalgate.scorers.registry import REGISTRY
from tests.support.oracle import oracle

ROOT = Path(__file__).resolve().parents[2]

# scalars chosen for what YAML 1.1 makes of them (the subset resolves them as PyYAML does)...
_WORDS = [
    "yes",
    "No",
    "on",
    "OFF",
    "true",
    "False",
    "null",
    "~",
    "0o17",
    "017",
    "0x1F",
    "0b101",
    "1:20",
    "1_000",
    "3.5",
    ".5",
    "1e3",
    "+1",
    "-1",
    "-.5",
    "190:20:30.15",
    "2024-01-02",
    "2024-01-02 10:00:00",
    "2001-12-14t21:59:43.10-05:00",
    "x:y",
    "a#b",
    "-x",
    "30 days",
    "kb-refunds",
    "caf\xe9",
    "\U0001f600",
    "http://x/y",
    "a,b",
    "a]b",
    "a b",
    "'",
    '"',
    "\\",
    "",
]
# ...and for what leaves it (or is an error)
_ODD_WORDS = [
    ".inf",
    ".nan",
    "1" + "0" * 400,
    "2024-13-45",
    "=",
    "<<",
    "a: b",
    "a #c",
    "- x",
    "[x",
    "{x",
    "&a",
    "*a",
    "!x",
    "|",
    "> x",
    "%x",
    "@x",
    "?x",
    ":x",
    "tab\there",
    "x\u2028y",
    "bom\ufeff",
    "end:",
    " ",
    "---",
    "...",
]
_KEYS = ["id", "input", "message", "expect", "tags", "x.y", "a b", "k-1", "k_2", "Id"]
_ODD_KEYS = ["yes", "1", "null", "<<", "a:b", "#k", "'q'"]


@st.composite
def _scalar(draw: Any, flow: bool = False) -> str:
    odd = draw(st.integers(0, 59)) == 0
    text = draw(
        st.one_of(
            st.sampled_from(_ODD_WORDS), st.text("ab :#-'\"\\{}[],&*!?|>%@`\t9.\xe9x", max_size=6)
        )
        if odd
        else st.one_of(st.sampled_from(_WORDS), st.text("abcxyz019 /-", min_size=1, max_size=8))
    )
    style = draw(st.sampled_from(["plain", "plain", "single", "double", "double-ascii"]))
    if flow and not odd and any(c in text for c in ":,[]{}#"):
        style = "double"  # a plain scalar with these leaves the subset inside a flow
    if style == "single":
        return "'" + text.replace("'", "''") + "'"
    if style == "double":
        return json.dumps(text, ensure_ascii=False)
    if style == "double-ascii":
        return json.dumps(text)
    return text


def _key(draw: Any) -> str:
    return str(draw(st.sampled_from(_ODD_KEYS if draw(st.integers(0, 29)) == 0 else _KEYS)))


@st.composite
def _flow(draw: Any, depth: int = 0) -> str:
    kind = draw(st.sampled_from(["scalar", "map", "seq"] if depth < 2 else ["scalar"]))
    if kind == "scalar":
        return str(draw(_scalar(flow=True)))
    n = draw(st.integers(0, 3))
    if kind == "seq" and draw(st.integers(0, 3)):
        return "[" + ", ".join(draw(_flow(depth + 1)) for _ in range(n)) + "]"
    keys = draw(st.lists(st.sampled_from(_KEYS), min_size=n, max_size=n, unique=True))
    pairs = [f"{k}: {draw(_flow(depth + 1))}" for k in keys]
    if kind == "seq":  # single pairs in a sequence ("[contains: x, regex: y]")
        return "[" + ", ".join(pairs) + "]"
    if draw(st.integers(0, 19)) == 0:
        pairs.append(f"{_key(draw)}: {draw(_flow(depth + 1))}")  # maybe a duplicate
    return "{" + ", ".join(pairs) + "}"


@st.composite
def _block(draw: Any, indent: int, depth: int = 0) -> list[str]:
    """Lines of a block mapping at ``indent``."""
    step = draw(st.sampled_from([2, 2, 4, 1]))
    lines: list[str] = []
    keys = draw(st.lists(st.sampled_from(_KEYS[4:]), min_size=1, max_size=3, unique=True))
    if draw(st.integers(0, 19)) == 0:
        keys.append(_key(draw))  # maybe a duplicate, maybe a key read as something else
    for key in keys:
        kind = draw(
            st.sampled_from(
                ["inline", "inline", "inline", "map", "seq"] if depth < 2 else ["inline"]
            )
        )
        pad = " " * indent
        comment = draw(st.sampled_from(["", "", "  # note", " #x"]))
        if kind == "inline":
            lines.append(f"{pad}{key}: {draw(_flow())}{comment}")
        elif kind == "empty":
            lines.append(f"{pad}{key}:{comment}")
        elif kind == "map":
            lines.append(f"{pad}{key}:{comment}")
            lines += draw(_block(indent + step, depth + 1))
        else:
            lines.append(f"{pad}{key}:")
            seq_ind = indent + draw(st.sampled_from([0, step]))
            for _ in range(draw(st.integers(1, 3))):
                if draw(st.booleans()):
                    lines.append(f"{' ' * seq_ind}- {draw(_flow())}")
                else:
                    inner = draw(_block(seq_ind + 2, depth + 1))
                    lines.append(" " * seq_ind + "- " + inner[0].lstrip(" "))
                    lines += inner[1:]
        if draw(st.integers(0, 9)) == 0:
            lines.append(draw(st.sampled_from(["", "  ", "# c", "    # c"])))
    return lines


@st.composite
def golden_text(draw: Any) -> str:
    lines = ["dataset: gen"]
    if draw(st.booleans()):
        lines += ["defaults:", "  expect: [contains: x]", f"  tags: [{draw(_flow())}]"]
    lines.append("cases:")
    ind = draw(st.sampled_from([0, 2, 4]))
    pad = " " * ind
    for i in range(draw(st.integers(1, 4))):
        lines.append(f"{pad}- id: c{i}")
        lines.append(f"{pad}  input: {{message: {draw(_scalar())}}}")
        if draw(st.booleans()):
            lines.append(f"{pad}  expect:")
            lines.append(f"{pad}    - contains: {draw(_scalar())}")
            lines.append(f"{pad}    - citation: {{required: true, any_of: [{draw(_scalar())}]}}")
        else:
            lines.append(f"{pad}  expect: [{draw(_flow())}]")
        if draw(st.booleans()):
            extra = draw(_block(ind + 2, 1))
            lines += extra
    if draw(st.integers(0, 15)) == 0:
        lines.append(draw(st.sampled_from(["after: 1", "---", "... ", "\t", "  - stray", "x"])))
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n# end\n"]))


def _read(cls: Any, text: Any) -> list[Any]:
    stream = cls(text, "g.yaml", "cases")
    try:
        top, problems = stream.head()
        out = []
        for i, d, p in stream.items():
            if isinstance(d, FlowDoc):
                d.settle()
            out.append((i, d.data, d.positions, d.key_positions, p))
        if isinstance(top, FlowDoc):
            top.settle()
        return [("head", top.data, top.positions, top.key_positions, problems), *out]
    finally:
        stream.close()


def _old(text: str) -> tuple[list[Any], list[Any]]:
    try:
        return goldens._load_streamed(text.encode("utf-8"), "g.yaml", "g", REGISTRY)
    except Fallback:
        return goldens._load_whole(text, "g.yaml", "g", REGISTRY)


def check_same(text: str) -> bool:
    """The fast reader gives the event reader's result, or leaves the document (False)."""
    try:
        fast = _read(FastStream, text)
    except NotSubset:
        return False
    try:
        events = _read(ItemStream, text)
    except (Fallback, YamlFailure) as exc:
        msg = f"the fast reader took a document the event reader does not: {exc}"
        raise AssertionError(msg) from exc
    assert fast == events
    cases, problems = goldens._load_fast(text, "g.yaml", "g", REGISTRY)
    old_cases, old_problems = _old(text)
    assert cases == old_cases
    assert_held_apart(cases)
    assert [c.content_hash for c in cases] == [c.content_hash for c in old_cases]
    assert problems == old_problems
    return True


def _containers(value: Any, into: list[int]) -> None:
    if type(value) is dict:
        into.append(id(value))
        for v in value.values():
            _containers(v, into)
    elif type(value) is list:
        into.append(id(value))
        for v in value:
            _containers(v, into)


def assert_held_apart(cases: list[Any]) -> None:
    """No two cases hold the same container in what they hold as it was read (the input as
    held, each turn's input, the source): the line reader gives equal flow values as one
    object, so a change to one case's value would reach another. Parameters and metadata
    are shared on purpose and read-only."""
    seen: dict[int, str] = {}
    for c in cases:
        ids: list[int] = []
        _containers(_HELD_INPUT.__get__(c), ids)
        for t in c.turns:
            _containers(t.input, ids)
        _containers(c.source, ids)
        for i in set(ids):
            assert i not in seen, f"{c.id} holds a container of {seen[i]}"
            seen[i] = c.id


_HELD_INPUT: Any = Case.__dict__["input"]  # what a case holds (bytes, or the value itself)


@oracle(100)
@given(golden_text())
def test_generated_goldens_read_alike(text: str) -> None:
    check_same(text)


@oracle(100)
@given(golden_text(), st.integers(0, 10_000), st.sampled_from(list(":#-{}[],'\"&*!? \n\t|>%x")))
def test_damaged_goldens_read_alike(text: str, at: int, char: str) -> None:
    at %= len(text) + 1
    check_same(text[:at] + char + text[at:])


_H = "dataset: d\ncases:\n"
# where the fast reader must leave a document to the event reader (and one it must take):
# the edges a random sample may or may not reach, kept explicit
EDGES = {
    "an indented top-level line": "dataset: d\n  x: 1\ncases: []\n",
    "a top-level dash": "dataset: d\n- x\ncases: []\n",
    "a continued plain scalar": _H + "  - id: a\n    tags: abc\n      def\n",
    "a dash out of line": _H + "  - id: a\n    expect:\n      - contains: x\n     - contains: y\n",
    "a line between a key and its dash": _H
    + "  - id: a\n    expect:\n      - contains: x\n       y: 1\n",
    "an empty entry": _H + "  - id: a\n    expect:\n      -\n      - contains: y\n",
    "a continued entry": _H + "  - id: a\n    expect:\n      - abc\n        def\n",
    "text after a quoted key": _H + '  - id: "a" b\n',
    "text after a quoted entry": _H + "  - id: a\n    expect:\n      - 'x' y\n",
    "text after a flow mapping": _H + "  - id: a\n    input: {message: x} y\n",
    "text after a flow entry": _H + "  - id: a\n    expect:\n      - {contains: x} y\n",
    "a trailing comma in a flow sequence": _H + "  - id: a\n    tags: [x, ]\n",
    "a trailing comma in a flow mapping": _H + "  - id: a\n    input: {message: x, }\n",
    "an escape JSON does not know": _H + '  - id: a\n    input: {message: "\\q"}\n',
    "JSON's escapes": _H + '  - id: a\n    input: {message: "caf\\u00e9\\t"}\n',
    "a date that is no date": _H + "  - id: a\n    metadata: {when: 2024-13-45}\n",
    "items laid out each its own way": _H
    + "".join(
        f"  - id: c{i}\n" + "".join(f"    m{j}: 1\n" for j in range(i % 7)) for i in range(40)
    ),
}


@pytest.mark.parametrize("text", EDGES.values(), ids=EDGES.keys())
def test_documents_at_the_subsets_edges_read_alike(text: str) -> None:
    check_same(text)


def test_generated_documents_mostly_stay_in_the_subset() -> None:
    """The oracle is worth something only if the fast reader takes most of what it is fed."""
    taken = []

    @oracle(80)  # derandomized: the share taken is a property of a fixed sample
    @given(golden_text())
    def run(text: str) -> None:
        taken.append(check_same(text))

    run()
    assert sum(taken) >= len(taken) // 4


BENCH_LIKE = """dataset: bench
defaults: {metadata: {tenant: acme}}
cases:
  - id: q000001
    input: {message: "How long do customers have to ask for a refund? #1"}
    expect:
      - contains: "30 days"
      - citation: {required: true, any_of: [kb-refunds], must_be_retrieved: true}
      - tool_call: {name: search_kb}
  - id: q000002   # a comment
    input: {message: 'it''s #2'}

    expect: [contains: x, {regex: "^a\\\\d"}]
    tags: [smoke, yes, 1, 2024-01-02]
    metadata:
      lang: en
      count: 0o17
      when: 2024-01-02 10:00:00
      empty: ~
"""


def test_a_typical_golden_file_is_in_the_subset_and_reads_alike() -> None:
    assert check_same(BENCH_LIKE)


@pytest.mark.parametrize(
    "layout",
    [
        "dataset: d\ncases:\n  - &a {id: a, input: {m: x}}\n",  # an anchor
        "dataset: d\ncases:\n  - id: a\n    input: !!str x\n",  # a tag
        "dataset: d\ncases:\n  - id: a\n    input: |\n      x\n",  # a block scalar
        "dataset: d\ncases:\n  - id: a\n    input: a\n      b\n",  # a continued scalar
        "dataset: d\ncases:\n  - id: a\n    input: {m: x,\n      n: y}\n",  # a long flow
        "dataset: d\ncases:\n  - id: a\n    id: b\n",  # a duplicate key
        "dataset: d\ncases:\n  - id: a\n    1: b\n",  # a key read as a number
        "dataset: d\ncases:\n  - id: a\n    n: .inf\n",  # a value that cannot be used
        "dataset: d\ncases:\n- id: a\n\tx: 1\n",  # a tab
        "---\ndataset: d\ncases:\n  - id: a\n",  # a document marker
        "dataset: d\ncases:\n  - id: a\nafter: 1\n",  # keys after the list
        "\ufeffdataset: d\ncases:\n  - id: a\n",  # a byte order mark
        "dataset: d\r\ncases:\r\n  - id: a\r\n",  # carriage returns
    ],
)
def test_what_leaves_the_subset_is_read_by_the_event_reader(layout: str) -> None:
    assert not check_same(layout)
    with pytest.raises(NotSubset):
        _read(FastStream, layout)


@pytest.mark.parametrize(
    "path", sorted(p for d in ("goldens", "examples", "tests") for p in (ROOT / d).rglob("*.y*ml"))
)
def test_the_repositorys_yaml_files_read_alike(path: Path) -> None:
    check_same(path.read_text(encoding="utf-8"))


def test_load_golden_file_reads_a_typical_file_with_the_fast_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = tmp_path / "g.yaml"
    f.write_text(BENCH_LIKE)
    expected = _old(BENCH_LIKE)

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the event reader was used")

    monkeypatch.setattr(goldens, "_load_streamed", refuse)
    cases, problems = goldens.load_golden_file(f)
    assert (cases, [p.message for p in problems]) == (expected[0], [p.message for p in expected[1]])


_ALIKE = """  - id: {id}
    input: {{message: {message}}}
    expect:
      - contains: {contains}
      - citation: {{required: {required}, any_of: [{doc}]}}
    metadata:
      n: {n}
"""


@oracle(60)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                k: _scalar(flow=k != "contains" and k != "n")
                for k in ("id", "message", "contains", "required", "doc", "n")
            }
        ),
        min_size=2,
        max_size=6,
    ),
    st.sampled_from(["", "\n", "\n# between\n", "\n\n"]),
)
def test_items_laid_out_alike_read_alike(values: list[dict[str, str]], sep: str) -> None:
    """Items read in the layout of one read before (and those that only look like it)."""
    items = [_ALIKE.format(**v) for v in values]
    text = "dataset: d\ncases:\n" + sep.join(items)
    check_same(text)


def test_alike_items_are_read_in_the_layout_learnt() -> None:
    items = [
        _ALIKE.format(
            id=f"c{i}", message=f'"m {i}"', contains="x", required="true", doc=f"d{i}", n=i
        )
        for i in range(50)
    ]
    text = "dataset: d\ncases:\n" + "".join(items)
    assert check_same(text)
    stream = FastStream(text, "g.yaml", "cases")
    stream.head()
    assert len(list(stream.items())) == 50
    assert stream._replayed == 49  # the first item is read line by line


def test_loading_goldens_leaves_the_collector_as_it_found_it(tmp_path: Path) -> None:
    import gc

    (tmp_path / "g.yaml").write_text(BENCH_LIKE)
    assert gc.isenabled()
    goldens.load_goldens([tmp_path])
    assert gc.isenabled()
    gc.disable()
    try:
        goldens.load_goldens([tmp_path / "missing"])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_is_off_while_goldens_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    (tmp_path / "g.yaml").write_text(BENCH_LIKE)
    seen: list[bool] = []
    real = goldens.load_golden_file

    def spy(*args: Any) -> Any:
        seen.append(gc.isenabled())
        return real(*args)

    monkeypatch.setattr(goldens, "load_golden_file", spy)
    goldens.load_goldens([tmp_path])
    assert seen == [False] and gc.isenabled()


def test_a_comment_between_items_does_not_end_an_item_early() -> None:
    item = "  - id: c{i}\n    input: {{m: x}}\n"
    text = "cases:\n" + item.format(i=0) + item.format(i=1) + "# note\n    expect: [contains: y]\n"
    text += item.format(i=2)
    stream = FastStream(text, "g.yaml", "cases")
    stream.head()
    items = [d.data for _, d, _ in stream.items()]
    assert items[1] == {"id": "c1", "input": {"m": "x"}, "expect": [{"contains": "y"}]}
    assert check_same(text)


def test_deep_nesting_is_left_to_the_event_reader(tmp_path: Path) -> None:
    f = tmp_path / "g.yaml"
    text = "cases:\n  - id: a\n    input: " + "[" * 5000 + "]" * 5000 + "\n"
    f.write_text(text)
    cases, problems = goldens.load_golden_file(f)  # no RecursionError
    assert (
        not cases
        and problems
        and [p.message for p in problems] == [p.message for p in _old(text)[1]]
    )


# equal flow values in every item, none quoted (the line reader remembers those): the same
# object read for each, which no two cases may hold
_SHARED_FLOWS = """dataset: d
cases:
  - id: a
    input: {when: 2024-01-02, tags: [x, y]}
    source: {trace: t1, spans: [1, 2]}
  - id: b
    input: {when: 2024-01-02, tags: [x, y]}
    source: {trace: t1, spans: [1, 2]}
  - id: c
    turns:
      - input: {m: hi, opts: [1]}
      - input: {m: hi, opts: [1]}
    source: {trace: t1, spans: [1, 2]}
  - id: d
    turns:
      - input: {m: hi, opts: [1]}
    source: {trace: t1, spans: [1, 2]}
"""


def test_equal_flow_values_read_once_are_held_apart() -> None:
    assert check_same(_SHARED_FLOWS)  # read by the line reader, held apart (assert_held_apart)
    cases, problems = goldens._load_fast(_SHARED_FLOWS, "g.yaml", "g", REGISTRY)
    assert not problems
    a, b, c, d = cases
    a.input["tags"].append("z")  # a new dict each time it is read
    assert a.source is not None and b.source is not None
    a.source["spans"].append(3)
    c.turns[0].input["opts"].append(2)
    assert a.input == b.input == {"when": "2024-01-02", "tags": ["x", "y"]}
    assert b.source == {"trace": "t1", "spans": [1, 2]} == d.source
    assert c.turns[1].input == {"m": "hi", "opts": [1]} == d.turns[0].input


def test_a_plain_input_is_held_packed_and_read_back_new() -> None:
    message = "How long do customers have to ask for a refund? #1"
    text = f'cases:\n  - id: a\n    input: {{message: "{message}"}}\n'
    cases, problems = goldens._load_fast(text, "g.yaml", "g", REGISTRY)
    assert not problems
    held = _HELD_INPUT.__get__(cases[0])
    assert type(held) is bytes
    first = cases[0].input
    assert first == {"message": message}
    first["message"] = "changed"
    assert cases[0].input["message"].startswith("How long")


def test_plain_scalars_resolve_as_the_resolver_says() -> None:
    """The first-character shortcut gives what PyYAML's resolver and constructor give."""
    stream = FastStream("cases:\n  - id: a\n", "g.yaml", "cases")
    try:
        words = [*_WORDS, *_ODD_WORDS, "Yes", "nULL", "<x", "=x", "~x", "!x", "&x", "*x"]
        words += [w + "x" for w in _WORDS] + ["x" + w for w in _WORDS]
        for word in words:
            if not word or LINE.fullmatch(word) is None:
                continue
            typed = stream._typed_first
            try:
                fast = stream._resolve(word)
            except NotSubset:
                fast = NotSubset
            stream._typed_first = None  # the resolver for every text
            try:
                full = stream._resolve(word)
            except NotSubset:
                full = NotSubset
            finally:
                stream._typed_first = typed
            assert (type(fast), fast) == (type(full), full), word
    finally:
        stream.close()


def test_an_item_layout_too_deep_to_compile_is_built_by_walking_it() -> None:
    tree: Any = (0, 0)
    for _ in range(400):  # Python refuses so many nested parentheses
        tree = (2, (tree,))
    assert compiled(tree) is None
    shape = Shape(re.compile("x"), 1, ((0, 0, ()),), tree, (), ())
    value = shape.build([7])
    assert value == build(tree, [7])
    for _ in range(400):
        value = value[0]
    assert value == 7


def test_a_learnt_layout_builds_what_the_walk_builds() -> None:
    stream = FastStream(BENCH_LIKE, "g.yaml", "cases")
    stream.head()
    items = [d.data for _, d, _ in stream.items()]
    assert stream._shapes and items
    for shape in stream._shapes:
        n = len(shape.values)
        values = [f"v{j}" for j in range(n)]
        assert shape.build(values) == build(shape.tree, values)
        assert shape.build(values) is not shape.build(values)  # new containers each time
    stream.close()


def test_alike_items_with_one_expect_list_place_their_scorers_on_their_own_lines() -> None:
    """Items in one layout with the same expect list: their scorers are placed once for the
    layout, each case's on its own lines, as the event reader places them."""
    items = [
        _ALIKE.format(id=f"c{i}", message=f'"m {i}"', contains="x", required="true", doc="d", n=i)
        for i in range(30)
    ]
    text = "dataset: d\ncases:\n" + "\n# a comment between\n".join(items[:3]) + "".join(items[3:])
    assert check_same(text)  # the same cases (their scorers' lines too) as the event reader
    cases, _ = goldens._load_fast(text, "g.yaml", "g", REGISTRY)
    lines = [[s.line for s in c.expect] for c in cases]
    assert len({tuple(x) for x in lines}) == 30
    assert all(x[0] == c.line + 3 and x[1] == c.line + 4 for x, c in zip(lines, cases, strict=True))
