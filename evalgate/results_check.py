"""Type checks for a ``results.jsonl`` line before it becomes a :class:`CaseResult`.

The files are plain JSON that people (and other tools) may edit. A line whose fields have the
wrong types must be reported as damaged where it is read, not crash a report or the gate later.
The checks are hand-written rather than JSON Schema because they run on every line of every
stored run and must stay cheap.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeGuard

from evalgate.jsonsafe import finite_number
from evalgate.status import OUTCOMES, STATUSES

_STATUSES = frozenset(STATUSES)
_OPT_STR = ("prompt_version", "model", "trace_id", "output")
_OPT_INT = ("input_tokens", "output_tokens", "status_code")
_OPT_NUM = ("cost_usd", "latency_ms", "ttft_ms")


# A line read by json.loads holds only JSON's own types, so each check first asks for the
# exact type (cheap) and falls back to the general check only for any other type: the same
# answers for every value.


def _num(v: Any) -> bool:
    if type(v) is float:
        return v - v == 0.0  # false for NaN and the infinities only
    return finite_number(v)


def _int(v: Any) -> bool:
    return type(v) is int or (isinstance(v, int) and not isinstance(v, bool))


def _map(v: Any) -> TypeGuard[Mapping[str, Any]]:
    return type(v) is dict or isinstance(v, Mapping)


def _strs(v: Any) -> bool:
    return v is None or (
        isinstance(v, list) and all(type(x) is str or isinstance(x, str) for x in v)
    )


def _response(r: Any, where: str) -> None:
    if r is None:
        return
    if not _map(r):
        raise ValueError(f"{where} is not an object")
    for k in _OPT_STR:
        if r.get(k) is not None and not isinstance(r[k], str):
            raise ValueError(f"{where}.{k} is not a string")
    for k in _OPT_INT:
        if r.get(k) is not None and not _int(r[k]):
            raise ValueError(f"{where}.{k} is not an integer")
    for k in _OPT_NUM:
        if r.get(k) is not None and not _num(r[k]):
            raise ValueError(f"{where}.{k} is not a finite number")
    for k in ("citations", "retrieved"):
        if not _strs(r.get(k)):
            raise ValueError(f"{where}.{k} is not a list of strings")
    if r.get("refused") is not None and not isinstance(r["refused"], bool):
        raise ValueError(f"{where}.refused is not true/false")
    if r.get("tool_calls") is not None and not isinstance(r["tool_calls"], list):
        raise ValueError(f"{where}.tool_calls is not a list")
    for t in r.get("tool_calls") or ():
        if not _map(t) or not _map(t.get("arguments") or {}):
            raise ValueError(f"{where}.tool_calls holds a malformed call")
    if r.get("extra") is not None and not _map(r["extra"]):
        raise ValueError(f"{where}.extra is not an object")


def check_result_line(d: Mapping[str, Any]) -> None:
    """Raise ValueError naming the first field of a result line with a wrong type or value."""
    if not isinstance(d.get("case_id"), str) or not d["case_id"]:
        raise ValueError("case_id is not a non-empty string")
    if d.get("status") not in _STATUSES:
        raise ValueError(f"status is not one of {', '.join(sorted(_STATUSES))}")
    if not isinstance(d.get("passed"), bool):
        raise ValueError("passed is not true/false")
    score = d.get("score")
    if score is not None and not (_num(score) and 0.0 <= score <= 1.0):
        raise ValueError("score is not a number between 0 and 1")
    for k in ("repeat", "attempts", "line"):
        if k in d and not (_int(d[k]) and d[k] >= 0):
            raise ValueError(f"{k} is not a whole number >= 0")
    for k in ("latency_ms", "weight"):
        if d.get(k) is not None and not _num(d[k]):
            raise ValueError(f"{k} is not a finite number")
    if d.get("threshold") is not None and not _num(d["threshold"]):
        raise ValueError("threshold is not a number")
    for k in ("dataset", "file", "content_hash", "outcome"):
        if k in d and not isinstance(d[k], str):
            raise ValueError(f"{k} is not a string")
    if "outcome" in d and d["outcome"] not in OUTCOMES:
        raise ValueError(f"outcome is not one of {', '.join(OUTCOMES)}")
    for k in ("error",):
        if d.get(k) is not None and not isinstance(d[k], str):
            raise ValueError(f"{k} is not a string")
    if not _strs(d.get("tags")):
        raise ValueError("tags is not a list of strings")
    if "confirmation" in d and not isinstance(d["confirmation"], bool):
        raise ValueError("confirmation is not true/false")
    scores = d.get("scores")
    if scores is not None and not isinstance(scores, list):
        raise ValueError("scores is not a list")
    for s in scores or ():
        if not _map(s) or not isinstance(s.get("scorer"), str):
            raise ValueError("scores holds an entry without a scorer name")
        if not (_num(s.get("score")) and 0.0 <= s["score"] <= 1.0):
            raise ValueError(f"scores: {s['scorer']} has no score between 0 and 1")
        if not isinstance(s.get("passed"), bool):
            raise ValueError(f"scores: {s['scorer']} has no passed true/false")
        weight = s.get("weight")
        if isinstance(weight, int) and not isinstance(weight, bool) and not _num(weight):
            raise ValueError(f"scores: {s['scorer']} has a weight too large for a number")
    _response(d.get("response"), "response")
    turns = d.get("turns")
    if turns is not None and not isinstance(turns, list):
        raise ValueError("turns is not a list")
    for i, t in enumerate(turns or ()):
        if not _map(t):
            raise ValueError(f"turns[{i}] is not an object")
        _response(t.get("response"), f"turns[{i}].response")
        if t.get("latency_ms") is not None and not _num(t["latency_ms"]):
            raise ValueError(f"turns[{i}].latency_ms is not a finite number")


def _opt_num(v: Any) -> bool:
    return v is None or _num(v)


def _rates(v: Any, where: str) -> None:
    if not _map(v):
        raise ValueError(f"{where} is not an object")
    for k, r in v.items():
        if not _map(r) or not all(_int(r.get(x)) for x in ("passed", "total")):
            raise ValueError(f"{where}.{k} needs whole numbers passed and total")
        if not _opt_num(r.get("pass_rate")):
            raise ValueError(f"{where}.{k}.pass_rate is not a number")


def _verdict(v: Any) -> None:
    if v is None:
        return
    if not _map(v) or v.get("status") not in ("pass", "fail", "inconclusive"):
        raise ValueError("verdict.status is not pass, fail or inconclusive")
    for k in ("mean_score", "base_mean_score", "shared_mean_score", "p_value"):
        if not _opt_num(v.get(k)):
            raise ValueError(f"verdict.{k} is not a number")
    for k in ("min_detectable_drop",):
        if not _opt_num(v.get(k)):
            raise ValueError(f"verdict.{k} is not a number")
    for k in ("baseline_version", "test"):
        if v.get(k) is not None and not isinstance(v[k], str):
            raise ValueError(f"verdict.{k} is not a string")
    if v.get("stats") is not None and not _map(v["stats"]):
        raise ValueError("verdict.stats is not an object")
    for r in _list(v.get("reasons"), "verdict.reasons"):
        if not _map(r) or not all(isinstance(r.get(x), str) for x in ("kind", "message")):
            raise ValueError("verdict.reasons holds an entry without kind and message")
        if not _strs(r.get("cases")) or not isinstance(r.get("blocking", True), bool):
            raise ValueError("verdict.reasons holds an entry with bad cases or blocking")
    for d in _list(v.get("deltas"), "verdict.deltas"):
        if not _map(d) or not isinstance(d.get("case_id"), str):
            raise ValueError("verdict.deltas holds an entry without a case_id")
        if not isinstance(d.get("status"), str):
            raise ValueError(f"verdict.deltas: {d['case_id']} has no status")
        for k in ("base_score", "score", "base_pass_rate", "pass_rate"):
            if not _opt_num(d.get(k)):
                raise ValueError(f"verdict.deltas: {d['case_id']}.{k} is not a number")


def _list(v: Any, where: str) -> list[Any]:
    if v is None:
        return []
    if not isinstance(v, list):
        raise ValueError(f"{where} is not a list")
    return v


def check_summary(d: Mapping[str, Any]) -> None:
    """Raise ValueError naming the first field of ``summary.json`` that reporters could not use.

    Only what is read back is checked: metadata, totals, rates, the verdict.
    """
    for k in ("run_id",):
        if not isinstance(d.get(k), str):
            raise ValueError(f"{k} is not a string")
    for k in ("started_at", "finished_at", "prompt_version", "requested_prompt_version", "shard"):
        if d.get(k) is not None and not isinstance(d[k], str):
            raise ValueError(f"{k} is not a string")
    for k in ("duration_s", "cost_usd"):
        if not _opt_num(d.get(k)):
            raise ValueError(f"{k} is not a number")
    if "interrupted" in d and not isinstance(d["interrupted"], bool):
        raise ValueError("interrupted is not true/false")
    for k in ("pending_cases", "datasets"):
        if not _strs(d.get(k)):
            raise ValueError(f"{k} is not a list of strings")
    for k in ("git", "target", "reports", "prompt_versions", "outcomes", "cases"):
        if d.get(k) is not None and not _map(d[k]):
            raise ValueError(f"{k} is not an object")
    for k, v in (d.get("prompt_versions") or {}).items():
        if not _int(v):
            raise ValueError(f"prompt_versions.{k} is not a whole number")
    for k, v in (d.get("outcomes") or {}).items():
        if not _int(v):
            raise ValueError(f"outcomes.{k} is not a whole number")
    totals = d.get("totals")
    if not _map(totals):
        raise ValueError("totals is not an object")
    for k in ("cases", "results", "confirmations", "passed", "failed", "errors", "skipped"):
        if k in totals and not _int(totals[k]):
            raise ValueError(f"totals.{k} is not a whole number")
    for k in ("pass_rate", "mean_score", "error_rate"):
        if not _opt_num(totals.get(k)):
            raise ValueError(f"totals.{k} is not a number")
    for k in ("latency_ms", "tokens"):
        v = d.get(k)
        if v is not None and not (_map(v) and all(_opt_num(x) for x in v.values())):
            raise ValueError(f"{k} is not an object of numbers")
    for k in ("scorers", "tags", "by_dataset"):
        if d.get(k) is not None:
            _rates(d[k], k)
    for cid, c in (d.get("cases") or {}).items():
        if not _map(c) or not all(_opt_num(c.get(x)) for x in ("score", "pass_rate")):
            raise ValueError(f"cases.{cid} is not an object with score and pass_rate numbers")
    _verdict(d.get("verdict"))
