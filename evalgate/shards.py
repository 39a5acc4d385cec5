"""What ``merge`` accepts: every shard of one split, once, made with one configuration.

A merged run is gated as the whole golden set, so a shard left out, named twice, cut short or
made with another config or split would let the gate pass on part of the cases. Each of these
is refused (exit 2) naming the folders concerned.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from evalgate.engine.execution import RUN_FILE, RunOutput
from evalgate.errors import ConfigError, UsageError
from evalgate.runner import shard_of


@dataclass(frozen=True)
class ShardInfo:
    run: RunOutput
    shard: tuple[int, int] | None  # (0-based index, count)
    config_hash: str
    selection: tuple[Any, ...]  # the rest of the selection: tags, case ids, repeat


def shard_info(run: RunOutput) -> ShardInfo:
    """The shard, config hash and selection a stored run was made with."""
    info: dict[str, Any] = {}
    path = run.run_dir / RUN_FILE
    if path.exists():
        try:
            loaded = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{path}: damaged run file ({exc}); re-run that shard") from None
        info = loaded if isinstance(loaded, dict) else {}
    raw = info.get("selection")
    sel: dict[str, Any] = raw if isinstance(raw, dict) else {}
    shard: tuple[int, int] | None = None
    try:
        if sel.get("shard"):
            shard = (int(sel["shard"][0]), int(sel["shard"][1]))
        elif not sel and run.meta.shard:  # no run.json: the summary's "i/n"
            i, n = str(run.meta.shard).split("/")
            shard = (int(i) - 1, int(n))
    except (TypeError, ValueError, IndexError, KeyError):
        raise ConfigError(
            f"{run.run_dir}: unreadable shard in {RUN_FILE}; re-run that shard"
        ) from None
    if shard is not None and not 0 <= shard[0] < shard[1]:
        raise ConfigError(f"{run.run_dir}: impossible shard {shard[0] + 1}/{shard[1]}")
    config_hash = str(info.get("config_hash") or run.meta.config_hash or "")
    rest = (
        tuple(sel.get("tags") or ()),
        tuple(sel.get("case_ids") or ()),
        sel.get("repeat"),
    )
    return ShardInfo(run, shard, config_hash, rest)


def check_merge(runs: Sequence[RunOutput], allow_unsharded: bool = False) -> None:
    """Refuse (exit 2) a set of runs that is not exactly one whole split of one setup."""
    infos = [shard_info(r) for r in runs]
    unfinished = [i.run.run_dir for i in infos if i.run.interrupted]
    if unfinished:
        raise UsageError(
            f"{', '.join(map(str, unfinished))}: did not finish (interrupted or killed), so"
            " cases are missing; finish each with 'evalgate run --resume DIR', then merge"
        )
    hashes = {i.config_hash for i in infos}
    if "" in hashes:
        nameless = [str(i.run.run_dir) for i in infos if not i.config_hash]
        raise UsageError(
            f"{', '.join(nameless)}: no config hash recorded, so it cannot be told whether"
            " the runs used the same configuration; re-run them with this evalgate"
        )
    if len(hashes) > 1:
        raise UsageError(
            "the runs were made with different configurations: "
            + ", ".join(f"{i.run.run_dir} ({i.config_hash})" for i in infos)
            + "; run every shard with the same evalgate.yaml and ${VAR} values, then merge"
        )
    sharded = [i for i in infos if i.shard is not None]
    if not sharded:
        if not allow_unsharded:
            raise UsageError(
                "none of these runs is a shard (made with --shard i/n); merge joins the"
                " shards of one split. To join separate runs of distinct cases anyway,"
                " pass --allow-unsharded"
            )
        return
    if len(sharded) != len(infos):
        plain = [str(i.run.run_dir) for i in infos if i.shard is None]
        raise UsageError(
            f"{', '.join(plain)}: not a shard (made without --shard), merged with shards;"
            " merge the shards of one split only"
        )
    if len({i.selection for i in infos}) > 1:
        raise UsageError(
            "the shards selected different cases (--tag, --case or --repeat differ): "
            + ", ".join(str(i.run.run_dir) for i in infos)
            + "; run every shard with the same options except --shard"
        )
    _check_split(sharded)


def _check_split(infos: Sequence[ShardInfo]) -> None:
    counts = {i.shard[1] for i in infos if i.shard}
    if len(counts) > 1:
        raise UsageError(
            "the shards come from different splits: "
            + ", ".join(f"{i.run.run_dir} ({_name(i)})" for i in infos)
            + "; merge the shards of one --shard i/n split (the same n)"
        )
    n = counts.pop()
    by_index: dict[int, list[ShardInfo]] = {}
    for i in infos:
        assert i.shard is not None
        by_index.setdefault(i.shard[0], []).append(i)
    twice = {k: v for k, v in by_index.items() if len(v) > 1}
    if twice:
        k, v = min(twice.items())
        raise UsageError(
            f"shard {k + 1}/{n} is named more than once: "
            + ", ".join(str(i.run.run_dir) for i in v)
            + "; merge each shard once"
        )
    missing = [k for k in range(n) if k not in by_index]
    if missing:
        raise UsageError(
            f"shard(s) {', '.join(f'{k + 1}/{n}' for k in missing)} missing: got "
            + ", ".join(f"{_name(i)} ({i.run.run_dir})" for i in infos)
            + "; merge every shard of the split, or the gate would judge part of the cases"
        )
    for i in infos:
        assert i.shard is not None
        stray = sorted({r.case_id for r in i.run.results if shard_of(r.case_id, n) != i.shard[0]})
        if stray:
            raise UsageError(
                f"{i.run.run_dir}: holds case(s) {', '.join(map(repr, stray[:5]))} that do not"
                f" belong to shard {_name(i)}; re-run that shard"
            )


def _name(i: ShardInfo) -> str:
    return f"{i.shard[0] + 1}/{i.shard[1]}" if i.shard else "not a shard"
