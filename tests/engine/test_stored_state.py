"""Resume, merge and the run-folder lock trust only state that belongs to the run."""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from evalgate.engine.execution import RunOutput
from evalgate.errors import ConfigError, UsageError
from evalgate.model import Case
from evalgate.results import CaseResult
from evalgate.resume import check_config, check_results, read_run_file
from evalgate.runlock import LOCK_FILE, ensure_idle, hold_run_dir
from evalgate.runner import shard_of
from evalgate.shards import check_merge
from evalgate.summary import RunMeta


def case(cid: str, h: str = "h1", review: str | None = None) -> Case:
    return Case(id=cid, dataset="ds", content_hash=h, review=review)


def result(cid: str, h: str = "h1") -> CaseResult:
    return CaseResult(cid, "ds", 0, "passed", "success", True, 1.0, content_hash=h)


# -- resume ----------------------------------------------------------------------------------


def test_resume_needs_the_same_config(tmp_path: Path) -> None:
    check_config(tmp_path, {"config_hash": "abc"}, "abc")
    with pytest.raises(UsageError, match=r"another configuration \(config hash abc, now xyz"):
        check_config(tmp_path, {"config_hash": "abc"}, "xyz")
    with pytest.raises(UsageError, match="does not record the configuration"):
        check_config(tmp_path, {}, "xyz")


def test_resume_refuses_results_of_changed_unknown_or_unselected_cases(tmp_path: Path) -> None:
    cases = [case("a"), case("b"), case("p", review="pending")]
    check_results(tmp_path, [result("a")], cases[:2], cases)
    with pytest.raises(UsageError) as exc:
        check_results(tmp_path, [result("a", "old"), result("gone"), result("p")], cases[:2], cases)
    msg = str(exc.value)
    assert "3 case(s)" in msg
    assert "'a' changed since the run started" in msg
    assert "'gone' is no longer in the goldens" in msg
    assert "'p' is not selected by this run" in msg
    assert "start a new run" in msg and exc.value.exit_code == 2


def test_many_mismatches_are_summarised(tmp_path: Path) -> None:
    stored = [result(f"c{i}", "old") for i in range(8)]
    cases = [case(f"c{i}") for i in range(8)]
    with pytest.raises(UsageError, match="and 3 more"):
        check_results(tmp_path, stored, cases, cases)


@pytest.mark.parametrize(
    "text", ["{torn", "[]", '{"run_id": 1, "selection": {}}', '{"run_id": "x"}']
)
def test_a_damaged_run_file_is_a_config_error(tmp_path: Path, text: str) -> None:
    (tmp_path / "run.json").write_text(text)
    with pytest.raises(ConfigError, match=r"run\.json"):
        read_run_file(tmp_path / "run.json")


# -- lock ------------------------------------------------------------------------------------


def test_one_holder_at_a_time_and_released_on_exit(tmp_path: Path) -> None:
    ensure_idle(tmp_path)  # never locked
    with hold_run_dir(tmp_path):
        assert (tmp_path / LOCK_FILE).exists()
        with pytest.raises(UsageError, match="another evalgate process"), hold_run_dir(tmp_path):
            pass
        with pytest.raises(UsageError, match="still being written"):
            ensure_idle(tmp_path)
    ensure_idle(tmp_path)
    with hold_run_dir(tmp_path):
        pass


def test_released_when_the_holding_block_raises(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), hold_run_dir(tmp_path):
        raise RuntimeError("boom")
    with hold_run_dir(tmp_path):
        pass


def test_an_unwritable_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot lock the run folder"), ExitStack() as s:
        s.enter_context(hold_run_dir(tmp_path / "missing"))


# -- merge -----------------------------------------------------------------------------------

IDS = [f"case-{i}" for i in range(12)]


def stored_run(
    root: Path,
    name: str,
    shard: tuple[int, int] | None,
    config_hash: str = "cfg",
    ids: list[str] | None = None,
    interrupted: bool = False,
    **sel: Any,
) -> RunOutput:
    d = root / name
    d.mkdir()
    selection = {"tags": [], "case_ids": [], "shard": list(shard) if shard else None, **sel}
    run_json = {"run_id": name, "selection": selection, "config_hash": config_hash}
    (d / "run.json").write_text(json.dumps(run_json))
    if ids is None:
        ids = [c for c in IDS if shard is None or shard_of(c, shard[1]) == shard[0]]
    meta = RunMeta(run_id=name, started_at="", config_hash=config_hash, interrupted=interrupted)
    return RunOutput(d, name, [result(c) for c in ids], meta, interrupted)


def test_a_whole_split_merges(tmp_path: Path) -> None:
    check_merge([stored_run(tmp_path, f"s{i}", (i, 3)) for i in range(3)])


def test_missing_duplicated_and_foreign_shards_are_refused(tmp_path: Path) -> None:
    s0, s1 = stored_run(tmp_path, "s0", (0, 3)), stored_run(tmp_path, "s1", (1, 3))
    with pytest.raises(UsageError, match=r"shard\(s\) 3/3 missing"):
        check_merge([s0, s1])
    again = stored_run(tmp_path, "again", (1, 3))
    with pytest.raises(UsageError, match="shard 2/3 is named more than once"):
        check_merge([s0, s1, again, stored_run(tmp_path, "s2", (2, 3))])
    with pytest.raises(UsageError, match="different splits"):
        check_merge([s0, stored_run(tmp_path, "t1", (1, 2))])
    with pytest.raises(UsageError, match="different configurations"):
        check_merge([s0, s1, stored_run(tmp_path, "x2", (2, 3), config_hash="other")])
    with pytest.raises(UsageError, match="no config hash recorded"):
        check_merge([s0, s1, stored_run(tmp_path, "y2", (2, 3), config_hash="")])
    with pytest.raises(UsageError, match="selected different cases"):
        check_merge([s0, s1, stored_run(tmp_path, "z2", (2, 3), repeat=3)])
    with pytest.raises(UsageError, match="did not finish"):
        check_merge([s0, s1, stored_run(tmp_path, "k2", (2, 3), interrupted=True)])
    wrong = stored_run(tmp_path, "w2", (2, 3), ids=IDS)
    with pytest.raises(UsageError, match="do not belong to shard 3/3"):
        check_merge([s0, s1, wrong])


def test_unsharded_runs_need_the_option_and_never_mix_with_shards(tmp_path: Path) -> None:
    a = stored_run(tmp_path, "a", None, ids=IDS[:3], case_ids=IDS[:3])
    b = stored_run(tmp_path, "b", None, ids=IDS[3:5], case_ids=IDS[3:5])
    with pytest.raises(UsageError, match="--allow-unsharded"):
        check_merge([a, b])
    check_merge([a, b], allow_unsharded=True)
    with pytest.raises(UsageError, match="not a shard"):
        check_merge([a, stored_run(tmp_path, "s0", (0, 2))], allow_unsharded=True)


def test_a_shard_without_run_json_is_read_from_its_summary(tmp_path: Path) -> None:
    runs = [stored_run(tmp_path, f"s{i}", (i, 2)) for i in range(2)]
    (runs[1].run_dir / "run.json").unlink()
    from dataclasses import replace

    runs[1] = replace(runs[1], meta=replace(runs[1].meta, shard="2/2"))
    check_merge(runs)
    runs[1] = replace(runs[1], meta=replace(runs[1].meta, shard="1/2"))
    with pytest.raises(UsageError, match="shard 1/2 is named more than once"):
        check_merge(runs)


def test_offline_outputs_are_new_locked_folders(tmp_path: Path) -> None:
    from evalgate.engine.stored import copy_run

    src = stored_run(tmp_path, "src", None, ids=IDS[:2])
    with hold_run_dir(tmp_path), pytest.raises(UsageError, match="another evalgate process"):
        copy_run(src, tmp_path)  # another process is writing the folder named by --out
    with ExitStack() as hold:
        out = copy_run(src, tmp_path / "out", hold)
        assert [r.case_id for r in out.results] == IDS[:2]
        with pytest.raises(UsageError, match="still being written"):
            ensure_idle(tmp_path / "out")
    ensure_idle(tmp_path / "out")
    with pytest.raises(UsageError, match="already holds a run"):
        copy_run(src, tmp_path / "out")
    (tmp_path / "file").write_text("")
    with pytest.raises(UsageError, match="cannot create the run folder"):
        copy_run(src, tmp_path / "file")


def test_a_file_system_without_locks_runs_unlocked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    import evalgate.runlock as runlock

    def no_locks(fd: int, op: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(runlock.fcntl, "flock", no_locks)
    with hold_run_dir(tmp_path), hold_run_dir(tmp_path):
        ensure_idle(tmp_path)
