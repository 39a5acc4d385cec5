"""A stored result line as the HTML page shows it, written from the line's own text.

A line ``ResultsWriter`` wrote for a passing, single-turn result is in one layout
(:mod:`evalgate.results_line`): its fields in a fixed order, strings escaped by the JSON
encoder, numbers as their ``repr``. The page shows most of those values as the same text
(strings, the answer under the cap, citations, tokens), so :func:`repeat_text` takes them from
the line as they are and decodes only what the page writes otherwise (the request, the tool
calls, numbers it converts). It gives the text of ``htmltext.repeat_of_line(d)`` for the
line's object ``d``, and does so only for a line it has read whole in that layout with every
value of the type :func:`~evalgate.results_check.check_result_line` and
:func:`~evalgate.report.details.plain` ask for: such a line is checked and plain. Any other
line (another layout, an escape the encoder does not write, a failed result, a value of another
type) gives None and is read the general way, which reports damage as before.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from evalgate.report import htmltext
from evalgate.results import RESULTS_FORMAT_VERSION
from evalgate.status import OUTCOMES

# a string as the encoder writes it (non-ASCII as is): any escape it would not write differs
# (each run of plain characters taken whole, never given back: no backtracking)
_S = r'"[^"\\\x00-\x1f]*+(?:\\(?:["\\nrtbf]|u00(?:0[0-7bef]|1[0-9a-f]))[^"\\\x00-\x1f]*+)*+"'
_SN = rf"(?:{_S}|null)"
_STRS = rf"\[(?:{_S}(?:,{_S})*)?\]"
_INT = r"(?:0|[1-9][0-9]{0,17})"  # whole numbers >= 0 (what the page writes as they are)
_TOKENS = r"(?:0|-?[1-9][0-9]{0,17}|null)"  # a count, as the page writes it
_NUM = r"-?(?:0|[1-9][0-9]{0,19})(?:\.[0-9]{1,20})?(?:e[-+][0-9]{1,3})?"
_NUMN = rf"(?:{_NUM}|null)"
_BOOL = r"(?:true|false)"

_SCORE = re.compile(
    rf'\{{"scorer":({_S}),"score":({_NUM}),"passed":({_BOOL}),"reason":({_S}),'
    rf'"weight":({_NUM})\}}'
)
_SCORES = re.compile(rf"\[(?:{_SCORE.pattern}(?:,{_SCORE.pattern})*)?\]")
_HEAD = re.compile(
    rf'\{{"format_version":{RESULTS_FORMAT_VERSION},"case_id":(?!""){_S},'
    rf'"dataset":{_S},"repeat":({_INT}),"status":"passed","outcome":({_S}),"passed":{_BOOL},'
    rf'"score":({_NUMN}),"scores":'
)
_LATENCY = re.compile(rf',"latency_ms":({_NUM}),"request":')
_ANSWER = re.compile(
    rf',"response":\{{"output":({_SN}),"citations":({_STRS}),"retrieved":({_STRS}),'
    r'"tool_calls":'
)
_RESPONSE = re.compile(
    rf',"prompt_version":({_SN}),"model":({_SN}),"input_tokens":({_TOKENS}),'
    rf'"output_tokens":({_TOKENS}),"cost_usd":({_NUMN}),"latency_ms":({_NUMN}),'
    rf'"ttft_ms":({_NUMN}),"trace_id":({_SN}),"refused":(?:{_BOOL}|null),'
    rf'"status_code":{_TOKENS},"extra":'
)
_TAIL = re.compile(
    rf',"missing":{_STRS}\}},"turns":\[\],"error":({_SN}),"attempts":{_INT},"tags":{_STRS},'
    rf'"file":{_S},"line":{_INT},"content_hash":{_S},"threshold":({_NUMN}),"weight":({_NUM}),'
    rf'"confirmation":{_BOOL}\}}\n\Z'
)
_OUTCOMES = frozenset(json.dumps(o) for o in OUTCOMES)
# a JSON value at an index: the decoder's own reading (json.loads reads a line with it)
_scan: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
_scores_seen: dict[str, str | None] = {}  # a scores list as stored -> as the page writes it


class _NotHere(Exception):
    """A line not read here."""


def _finite(token: str, zero: bool = False) -> float:
    """The number ``token`` (a float, as the page and the checks convert it); not finite:
    not read here (the general way reports it)."""
    f = float(token)
    if f - f != 0.0:
        raise _NotHere(token)
    return (f or 0.0) if zero else f


def _score_range(token: str) -> str:
    f = _finite(token)
    if not 0.0 <= f <= 1.0:
        raise _NotHere(token)
    return float.__repr__(f)


def _scores(text: str) -> str | None:
    """The page's scores (without brackets) of a stored scores list; None if not read here."""
    out = []
    try:
        for m in _SCORE.finditer(text):
            scorer, score, passed, reason, weight = m.groups()
            _finite(weight)
            out.append(
                f'{{"scorer":{scorer},"score":{_score_range(score)},"passed":{passed}'
                f',"reason":{reason},"error":null,"turn":null}}'
            )
    except (_NotHere, ValueError, OverflowError):
        return None
    return ",".join(out)


def _scores_at(line: str, at: int) -> tuple[str | None, int]:
    """The page's scores of the stored list at ``at`` and where the list ends.

    A list of records without nested values ends at the first ``],"latency_ms":`` (in a
    string a quote is escaped): the text up to there is the list when it is one of the
    lists already read, or when it is such a list (checked here); else it is not read here.
    """
    end = line.find('],"latency_ms":', at) + 1
    if end == 0:
        raise _NotHere("scores")
    text = line[at:end]
    got = _scores_seen.get(text, "")
    if got == "":
        got = _scores(text) if _SCORES.fullmatch(text) else None
        if len(_scores_seen) >= 256:  # a run's few distinct lists; a bounded table
            _scores_seen.clear()
        _scores_seen[text] = got
    return got, end


def _value_at(line: str, at: int) -> tuple[Any, int]:
    try:
        return _scan(line, at)
    except (StopIteration, ValueError, RecursionError) as exc:
        raise _NotHere("no value") from exc


def _matched(pattern: re.Pattern[str], line: str, at: int) -> re.Match[str]:
    m = pattern.match(line, at)
    if m is None:
        raise _NotHere(pattern.pattern[:20])
    return m


# a tool call as ToolCall.to_dict writes it: these keys in this order
_CALL_KEYS = frozenset(
    [
        ("name", "arguments"),
        ("name", "arguments", "permission"),
        ("name", "arguments", "id"),
        ("name", "arguments", "permission", "id"),
    ]
)


def _calls(calls: Any) -> str:
    """The page's tool calls of a stored list (checked and plain as the general way asks)."""
    if type(calls) is not list:
        raise _NotHere("tool_calls")
    as_written = True
    for t in calls:
        if type(t) is not dict or type(t.get("name", "")) is not str:
            raise _NotHere("tool call")
        arguments = t.get("arguments") or {}
        if type(arguments) is not dict:
            raise _NotHere("arguments")
        as_written = as_written and (
            tuple(t) in _CALL_KEYS
            and type(t["arguments"]) is dict
            and t.get("permission", "") is not None
            and t.get("id", "") is not None
        )
    # calls as ToolCall.to_dict wrote them are what the page rebuilds from them
    return htmltext._capped(calls) if as_written else htmltext._tool_calls(calls)


def _output(text: str) -> str:
    """The answer as the page writes it: as stored when it cannot be over the cap."""
    if text == "null" or len(text) - 2 <= htmltext.MAX_FIELD:
        return text
    return htmltext._capped(json.loads(text))


def repeat_text(raw: bytes) -> str | None:
    """The page's text of the repeat whose stored line is ``raw``, or None (see the module)."""
    if not raw.endswith(b"}\n"):
        return None
    line = raw.decode("utf-8", "replace")  # as the general way decodes it
    try:
        return _repeat(line)
    except Exception:  # not read here (the general way reads it, and says what is wrong)
        return None


def _repeat(line: str) -> str | None:
    head = _matched(_HEAD, line, 0)
    repeat, outcome, score = head.groups()
    if outcome not in _OUTCOMES:
        return None
    score_text = "null" if score == "null" else _score_range(score)
    scores, at = _scores_at(line, head.end())
    if scores is None:
        return None
    latency_m = _matched(_LATENCY, line, at)
    latency = float.__repr__(_finite(latency_m.group(1), zero=True))
    request, at = _value_at(line, latency_m.end())
    answer_m = _matched(_ANSWER, line, at)
    output, citations, retrieved = answer_m.groups()
    calls, at = _value_at(line, answer_m.end())
    response_m = _matched(_RESPONSE, line, at)
    version, model, tokens_in, tokens_out, cost, own_latency, ttft, trace = response_m.groups()
    for number in (cost, own_latency, ttft):
        if number != "null":
            _finite(number)
    extra, at = _value_at(line, response_m.end())
    if type(extra) is not dict:
        return None
    tail = _matched(_TAIL, line, at)
    error, threshold, weight = tail.groups()
    if threshold != "null":
        _finite(threshold)
    _finite(weight)
    return (
        f'{{"repeat":{repeat},"status":"passed","outcome":{outcome},"score":{score_text}'
        f',"latency_ms":{latency},"error":{error},"request":{htmltext._capped(request)}'
        f',"output":{_output(output)},"citations":{citations},"retrieved":{retrieved}'
        f',"tool_calls":{_calls(calls)},"model":{model},"prompt_version":{version}'
        f',"input_tokens":{tokens_in},"output_tokens":{tokens_out},"trace_id":{trace}'
        f',"scores":[{scores}],"turns":[]}}'
    )
