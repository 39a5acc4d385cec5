"""The demo goldens: shipped twice identically, and covering what the demo needs.

That v1 passes them all and v2 regresses is checked by running evalgate for real
(tests/engine/test_core_run_demo.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEMO = resources.files("evalgate.demo")


def _load() -> dict[str, Any]:
    data = yaml.safe_load(DEMO.joinpath("goldens/support.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


GOLDENS = _load()
CASES = GOLDENS["cases"]


@pytest.mark.parametrize(
    "rel",
    [
        "goldens/support.yaml",
        "evalgate.yaml",
        "scorers/grounding.py",
        "scorers/retrieval_titles.py",
    ],
)
def test_repo_root_and_packaged_copies_are_identical(rel: str) -> None:
    assert (ROOT / rel).read_bytes() == DEMO.joinpath(rel).read_bytes()


def test_config_maps_the_copilot_response() -> None:
    cfg = yaml.safe_load((ROOT / "evalgate.yaml").read_text(encoding="utf-8"))
    assert cfg["target"]["url"] == "${COPILOT_URL:-http://127.0.0.1:8787}/v1/copilot"
    assert cfg["target"]["response"]["citations"] == "citations[].doc_id"
    assert cfg["target"]["body"]["history"] == "{{ history }}"
    assert cfg["goldens"] == ["goldens/"] and cfg["scorers_dir"] == "scorers/"


def test_the_goldens_cover_what_the_demo_needs() -> None:
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)) and 24 <= len(ids) <= 30
    tags = [t for c in CASES for t in c.get("tags", [])]
    assert tags.count("canary") == 5 and tags.count("critical") >= 3
    assert tags.count("security") >= 3
    assert any(c.get("repeat") == 3 for c in CASES)
    assert any(c.get("weight") == 2 for c in CASES)
    assert any(c.get("threshold") == 0.5 for c in CASES)
    assert any("turns" in c for c in CASES)
    names = [next(iter(e)) for c in CASES for e in _expectations(c)]
    assert names.count("mentions_retrieved_title") == 2
    assert "grounded_or_fallback" in names


def _expectations(case: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from case.get("expect", [])
    for turn in case.get("turns", []):
        yield from turn.get("expect", [])
