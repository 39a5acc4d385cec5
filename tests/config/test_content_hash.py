"""What the content hash covers: what changes a call or its score, and no label besides.

A case whose hash changes is "changed" for the gate and loses its baseline; a hash that moved
on a label nobody reads (a metadata key, the tags) made every case "changed" at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from evalgate.config.case_hash import ALL_METADATA, CaseReads, content_hash
from evalgate.config.goldens import load_goldens
from evalgate.model import Score
from evalgate.project import load_project
from evalgate.scorers.registry import Registry, ScorerDef


def _ok(response: object, params: object, case: object) -> Score:
    return Score.ok()


def _registry() -> Registry:
    r = Registry()
    r._builtins_loaded = True
    r.add(ScorerDef("contains", _ok, {"type": "string"}, "", "builtin"))
    r.add(ScorerDef("tone", _ok, None, "", "scorers/tone.py"))  # a custom scorer
    return r


def _golden(tmp_path: Path, doc: dict[str, Any], name: str = "g.yaml") -> Path:
    folder = tmp_path / "goldens"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(yaml.safe_dump(doc, sort_keys=False), "utf-8")
    return folder


def _hashes(folder: Path, reads: CaseReads) -> dict[str, str]:
    gs = load_goldens([folder], _registry(), reads)
    assert gs.ok, gs.problems
    return {c.id: c.content_hash for c in gs.cases}


def _doc(
    defaults: dict[str, Any] | None = None, **case: Any
) -> dict[str, Any]:  # one case "a", plus what is given
    return {
        "dataset": "d",
        "defaults": defaults or {},
        "cases": [{"id": "a", "input": {"message": "hi"}, "expect": [{"contains": "x"}], **case}],
    }


READS_TENANT = CaseReads(frozenset({"tenant"}))


def test_an_unread_metadata_key_leaves_the_hash_alone(tmp_path: Path) -> None:
    before = _hashes(_golden(tmp_path, _doc({"metadata": {"tenant": "acme"}})), READS_TENANT)
    after = _hashes(
        _golden(tmp_path, _doc({"metadata": {"tenant": "acme", "owner": "team-x"}})),
        READS_TENANT,
    )
    assert before == after


def test_a_read_metadata_key_changes_the_hash(tmp_path: Path) -> None:
    before = _hashes(_golden(tmp_path, _doc({"metadata": {"tenant": "acme"}})), READS_TENANT)
    after = _hashes(_golden(tmp_path, _doc({"metadata": {"tenant": "globex"}})), READS_TENANT)
    assert before != after
    # without knowing the templates every key counts (the conservative default)
    a = _hashes(_golden(tmp_path, _doc(metadata={"owner": "x"})), ALL_METADATA)
    b = _hashes(_golden(tmp_path, _doc(metadata={"owner": "y"})), ALL_METADATA)
    assert a != b


@pytest.mark.parametrize(
    "label",
    [
        {"tags": ["critical", "rag"]},
        {"description": "reworded notes"},
        {"review": "approved"},
        {"source": {"langfuse_trace_id": "t-1"}},
    ],
)
def test_labels_stay_out_of_the_hash(tmp_path: Path, label: dict[str, Any]) -> None:
    plain = _hashes(_golden(tmp_path, _doc()), READS_TENANT)
    assert _hashes(_golden(tmp_path, _doc(**label)), READS_TENANT) == plain


def test_tags_count_when_a_template_reads_them(tmp_path: Path) -> None:
    reads = CaseReads(frozenset(), tags=True)
    plain = _hashes(_golden(tmp_path, _doc()), reads)
    assert _hashes(_golden(tmp_path, _doc(tags=["vip"])), reads) != plain


def test_a_custom_scorer_sees_the_whole_case_so_all_metadata_counts(tmp_path: Path) -> None:
    doc = _doc(metadata={"owner": "x"})
    doc["cases"][0]["expect"].append({"tone": "friendly"})
    before = _hashes(_golden(tmp_path, doc), READS_TENANT)
    doc["cases"][0]["metadata"] = {"owner": "y"}
    assert _hashes(_golden(tmp_path, doc), READS_TENANT) != before


def test_a_case_without_unread_metadata_keeps_its_old_hash(tmp_path: Path) -> None:
    """Stored baselines stay comparable for every case whose metadata is all read (or none)."""
    expected = content_hash(
        {
            "input": {"message": "hi"},
            "turns": [],
            "expect": [["contains", "x", 1.0]],
            "metadata": {"tenant": "acme"},
            "threshold": None,
        }
    )
    got = _hashes(_golden(tmp_path, _doc(metadata={"tenant": "acme"})), READS_TENANT)
    assert got == {"a": expected}


def _project(tmp_path: Path, body: Any, metadata: dict[str, Any]) -> dict[str, str]:
    cfg = {"version": 1, "target": {"url": "http://127.0.0.1:9/x", "body": body}}
    cfg["goldens"] = ["goldens/"]
    (tmp_path / "evalgate.yaml").write_text(yaml.safe_dump(cfg), "utf-8")
    doc = _doc({"metadata": metadata})
    doc["cases"][0]["expect"] = [{"contains": "x"}]
    _golden(tmp_path, doc)
    project = load_project(tmp_path / "evalgate.yaml")
    assert project.ok, project.problems
    return {c.id: c.content_hash for c in project.goldens.cases}


@pytest.mark.parametrize(
    ("body", "counts"),
    [
        ({"message": "{{ input.message }}"}, False),
        ({"message": "{{ input.message }}", "tenant": "{{ case.metadata.tenant }}"}, False),
        (
            {"message": "{{ input.message }}", "owner": "{{ case.metadata.owner | default('') }}"},
            True,
        ),
        ({"message": "{{ input.message }}", "meta": "{{ case.metadata }}"}, True),
        ({"message": "{{ input.message }}", "case": "{{ case }}"}, True),
    ],
)
def test_the_project_hashes_what_its_templates_read(
    tmp_path: Path, body: Any, counts: bool
) -> None:
    """An added key in defaults.metadata changes the hashes only if a template reads it."""
    before = _project(tmp_path, body, {"tenant": "acme"})
    after = _project(tmp_path, body, {"tenant": "acme", "owner": "team-x"})
    assert (before != after) is counts


def _reference_hash(case: dict[str, Any], defaults: dict[str, Any], reads: CaseReads) -> str:
    """The content hash as one JSON document of the case's parts (how it was always made):
    the loader puts the same text together from cached parts."""
    registry = _registry()

    def specs(items: list[Any]) -> list[list[Any]]:
        out = []
        for item in items:
            if isinstance(item, str):
                out.append([item, True, 1.0])
            else:
                name = next(k for k in item if k != "weight")
                out.append([name, item[name], float(item.get("weight", 1.0))])
        return out

    expect = specs(case.get("expect", [])) + specs(defaults.get("expect", []))
    turns = [
        {"input": t.get("input") or {}, "expect": specs(t.get("expect", []))}
        for t in case.get("turns", [])
    ]
    names = [s[0] for s in expect] + [s[0] for t in turns for s in t["expect"]]
    custom = any(registry.get(n).origin != "builtin" for n in names)  # type: ignore[union-attr]
    metadata = {**defaults.get("metadata", {}), **case.get("metadata", {})}
    tags = list(dict.fromkeys([*defaults.get("tags", []), *case.get("tags", [])]))
    hashed: dict[str, Any] = {
        "input": case.get("input"),
        "turns": turns,
        "expect": expect,
        "metadata": reads.metadata(metadata, custom),
        "threshold": case.get("threshold", defaults.get("threshold")),
    }
    if reads.tags:
        hashed["tags"] = tags
    if reads.dataset:
        hashed["dataset"] = "d"
    return content_hash(hashed)


_VARIED_CASES: list[dict[str, Any]] = [
    {"id": "plain", "input": {"message": "hi"}, "expect": [{"contains": "x"}]},
    {"id": "same", "input": {"message": "hi"}, "expect": [{"contains": "x"}]},
    {
        "id": "unicode",
        "input": {"message": 'café ☕ "quoted" \\ back\nnew', "n": 3, "f": 0.5, "z": None},
        "expect": [{"contains": "é", "weight": 0.5}, "tone"],
        "threshold": 1,
        "tags": ["b", "a", "b"],
        "metadata": {"tenant": "t2", "zeta": [1, {"k": "v"}]},
    },
    {
        "id": "turns",
        "turns": [
            {"input": {"message": "one"}, "expect": [{"contains": "1"}]},
            {"input": {"message": "two"}},
        ],
        "threshold": 0.75,
    },
    {"id": "custom", "input": {"message": "c"}, "expect": [{"tone": {"z": 1, "a": [True]}}]},
    {"id": "meta-only-unread", "input": {"message": "m"}, "metadata": {"owner": "o"}},
]


@pytest.mark.parametrize(
    "reads",
    [ALL_METADATA, READS_TENANT, CaseReads(frozenset({"tenant"}), tags=True, dataset=True)],
)
@pytest.mark.parametrize("with_defaults", [False, True])
def test_the_hash_put_together_from_parts_is_the_whole_documents(
    tmp_path: Path, reads: CaseReads, with_defaults: bool
) -> None:
    defaults: dict[str, Any] = (
        {
            "metadata": {"tenant": "acme", "region": "eu"},
            "tags": ["t"],
            "threshold": 0.5,
            "expect": [{"contains": "d", "weight": 2}],
        }
        if with_defaults
        else {}
    )
    doc = {"dataset": "d", "defaults": defaults, "cases": _VARIED_CASES}
    got = _hashes(_golden(tmp_path, doc), reads)
    want = {c["id"]: _reference_hash(c, defaults, reads) for c in _VARIED_CASES}
    assert got == want
    assert got["plain"] == got["same"]
