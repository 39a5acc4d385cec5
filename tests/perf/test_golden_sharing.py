"""Equal scorer parameters and metadata loaded from one golden file are one object."""

from __future__ import annotations

from pathlib import Path

from evalgate.config.goldens import load_golden_file


def test_equal_values_are_shared_and_different_ones_kept_apart(tmp_path: Path) -> None:
    f = tmp_path / "g.yaml"
    f.write_text(
        "dataset: d\n"
        "defaults: {metadata: {tenant: acme}}\n"
        "cases:\n"
        "  - {id: a, input: {m: x}, expect: [{citation: {any_of: [kb-a]}}]}\n"
        "  - {id: b, input: {m: y}, expect: [{citation: {any_of: [kb-a]}}]}\n"
        "  - {id: c, input: {m: z}, metadata: {tenant: other},"
        " expect: [{citation: {any_of: [kb-b]}}]}\n",
        encoding="utf-8",
    )
    cases, problems = load_golden_file(f)
    assert problems == []
    a, b, c = cases
    assert a.expect[0].params is b.expect[0].params
    assert a.metadata is b.metadata
    assert c.expect[0].params == {"any_of": ["kb-b"]}
    assert c.metadata == {"tenant": "other"}
    assert a.content_hash != c.content_hash and a.line != b.line
