"""The HTML page's case entries written as JSON text directly: the text of
``embed_json(masking.scrub_obj(entry))`` for the entry :mod:`evalgate.report.html` builds,
without the entry's dictionaries and the general encoder.

Each value is written as the page's encoder writes it: strings by its C escaper, exact ints
and finite floats by their ``repr``, ``true``/``false``/``null``, and any other JSON value
(requests, tool calls) by the C encoder with the page's settings. An entry this cannot write
exactly (a value of another type, a number that is not finite, an answer beside the
baseline's) is left to the general way (:data:`SLOW`), as is an entry whose text holds a
registered secret in any form: every form written inside a JSON string as itself
(:func:`evalgate.masking.inert_in_json`), a text without one has no string to mask.

A big request or tool-call list is measured as the page measures it (:data:`MAX_FIELD`
characters with the encoder's default separators) only when its compact text could be over:
the default separators add one character per separator, so a compact text of at most half
the cap is under it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from json import encoder as _json
from typing import Any, Final, cast

from evalgate import masking
from evalgate.model import ToolCall
from evalgate.report.rows import _EPS, CaseRow
from evalgate.textsafe import truncate

MAX_FIELD = 20_000  # as html.MAX_FIELD: characters of one answer or request kept in the page
SLOW: Final = None  # an entry this module leaves to the general way

_text: Callable[[str], str] = _json.encode_basestring  # the escaper the page's encoder uses


class _Refused(Exception):
    """A value this module does not write (the general way does)."""


def _refuse(o: object) -> Any:
    raise _Refused(type(o).__name__)


def _encoder() -> Callable[[object, int], list[str]]:
    """The page's encoder (compact, non-ASCII as is, no NaN), called directly."""
    make = getattr(_json, "c_make_encoder", None)
    if make is None or _text is not getattr(_json, "c_encode_basestring", None):

        def refuse_all(o: object, _: int) -> list[str]:
            raise _Refused("no C encoder")

        return refuse_all
    return cast(
        Callable[[object, int], list[str]],
        make(None, _refuse, _text, None, ":", ",", False, False, False),
    )


_chunks = _encoder()
_measure = _json.JSONEncoder(ensure_ascii=False, default=str).encode  # as html._MEASURE


def _value(v: object) -> str:
    """``v`` as the page's encoder writes it."""
    t = type(v)
    if t is str:
        return _text(cast(str, v))
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if t is int:
        return int.__repr__(cast(int, v))
    if t is float:
        f = cast(float, v)
        if f - f == 0.0:
            return float.__repr__(f)
        raise _Refused("not finite")
    return "".join(_chunks(v, 0))


def _texts(items: Iterable[object]) -> str:
    """A list of strings (``_text`` refuses any other item)."""
    return "[" + ",".join(map(_text, items)) + "]"  # type: ignore[arg-type]


def _capped(value: object) -> str:
    """``html._cap(value)`` as the page writes it."""
    if type(value) is str:
        return _text(truncate(value, MAX_FIELD))
    if value is None or type(value) in (int, float, bool):
        return _value(value)
    text = "".join(_chunks(value, 0))
    if len(text) * 2 <= MAX_FIELD:  # under the cap with any separators
        return text
    measured = _measure(value)
    return text if len(measured) <= MAX_FIELD else _text(truncate(measured, MAX_FIELD))


def _tool_calls(calls: Iterable[dict[str, Any]]) -> str:
    """``_cap`` of the tool calls as ``Response.from_dict`` reads and ``ToolCall.to_dict``
    writes them."""
    return _capped(
        [
            ToolCall(
                name=str(t.get("name", "")),
                arguments=dict(t.get("arguments") or {}),
                permission=t.get("permission"),
                id=t.get("id"),
            ).to_dict()
            for t in calls
        ]
    )


def _score(s: dict[str, Any]) -> str:
    return (
        f'{{"scorer":{_text(str(s["scorer"]))},"score":{_value(float(s["score"]))}'
        f',"passed":{"true" if s["passed"] else "false"}'
        f',"reason":{_text(str(s.get("reason") or ""))},"error":{_value(s.get("error"))}'
        f',"turn":{_value(s.get("turn"))}}}'
    )


def repeat_of_line(d: dict[str, Any]) -> str:
    """``html._repeat_of_line(d)`` as the page writes it (a plain line: no turns)."""
    v = _value
    resp = d.get("response")
    score = d.get("score")
    if resp is None:
        answer = (
            '"output":null,"citations":[],"retrieved":[],"tool_calls":[],"model":null'
            ',"prompt_version":null,"input_tokens":null,"output_tokens":null,"trace_id":null'
        )
    else:
        answer = (
            f'"output":{_capped(resp.get("output"))}'
            f',"citations":{_texts(resp.get("citations") or ())}'
            f',"retrieved":{_texts(resp.get("retrieved") or ())}'
            f',"tool_calls":{_tool_calls(resp.get("tool_calls") or ())}'
            f',"model":{v(resp.get("model"))},"prompt_version":{v(resp.get("prompt_version"))}'
            f',"input_tokens":{v(resp.get("input_tokens"))}'
            f',"output_tokens":{v(resp.get("output_tokens"))}'
            f',"trace_id":{v(resp.get("trace_id"))}'
        )
    scores = ",".join([_score(s) for s in d.get("scores") or ()])
    return (
        f'{{"repeat":{v(d.get("repeat", 0))},"status":{_text(d["status"])}'
        f',"outcome":{_text(d.get("outcome", "success"))}'
        f',"score":{"null" if score is None else v(float(score))}'
        f',"latency_ms":{v(float(d.get("latency_ms") or 0.0))},"error":{v(d.get("error"))}'
        f',"request":{_capped(d.get("request"))},{answer},"scores":[{scores}],"turns":[]}}'
    )


def _number(v: object) -> str:
    """A figure (a finite float or None, most often) as the page's encoder writes it."""
    if v is None:
        return "null"
    if type(v) is float and v - v == 0.0:
        return float.__repr__(v)
    return _value(v)


def entry(c: CaseRow, reason: str | None, repeats: str, left_out: str | None) -> str:
    """``html._entry(c, {}, reason, ...)`` as the page writes it, ``repeats`` the text of its
    repeats (without brackets), ``left_out`` its ``detail``."""
    n = _number
    base = c.base
    delta = c.delta
    line = c.line
    tags = c.tags
    blocking = c.blocking
    compare = c.compare
    # regressed as CaseRow.regressed says, from the delta already made
    regressed = bool(blocking) or (compare == "shared" and delta is not None and delta < -_EPS)
    return (
        f'{{"id":{_text(c.case_id)},"dataset":{_text(c.dataset)},"file":{_text(c.file)}'
        f',"line":{int.__repr__(line) if type(line) is int else _value(line)}'
        f',"tags":{_texts(tags) if tags else "[]"},"status":{_text(c.status)}'
        f',"score":{n(c.score)},"pass_rate":{n(c.pass_rate)}'
        f',"base_score":{n(base.score) if base else "null"}'
        f',"base_pass_rate":{n(base.pass_rate) if base else "null"}'
        f',"delta":{n(delta)},"compare":{"null" if compare is None else _text(compare)}'
        f',"regressed":{"true" if regressed else "false"}'
        f',"blocking":{_texts(blocking) if blocking else "[]"},"reason":{_value(reason)}'
        f',"repeats":[{repeats}],"detail":{"null" if left_out is None else _text(left_out)}}}'
    )


def written(make: Callable[[], str]) -> str | None:
    """The text ``make`` writes, safe in a ``<script>`` element as ``html.embed_json`` makes
    it; None (:data:`SLOW`) when it cannot be written so or may hold a secret."""
    try:
        text = make()
    except Exception:  # any value not written here: the general way decides
        return SLOW
    if not masking.inert_in_json() or masking.found_in(text):
        return SLOW
    return script_safe(text)


def script_safe(text: str) -> str:
    """JSON ``text`` that is safe inside a ``<script>`` element: ``<``, ``>`` and ``&`` (so no
    ``</`` or ``<!--``) and the two line separators JavaScript reads as line ends, escaped."""
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
