"""A result's line in ``results.jsonl``, built directly: the text of
``encode_line(result.to_dict())``, without the dictionaries.

:meth:`ResultLines.line` writes the fields in the order of :meth:`CaseResult.to_dict` with the
pieces the JSON encoder itself would write: strings by its C escaper, exact ints and finite
floats by their ``repr``, ``true``/``false``/``null``, and every other value (requests, tool
calls, extra fields, non-finite floats, subclasses) by the C encoder with the same settings.
A result whose line cannot be built so (a value the encoder refuses) is encoded the plain way,
so it fails as it did. The score records of a result that are the very records of the last
one (a run's passing records are shared, see :mod:`evalgate.scoring`) are written as last time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from json import encoder as _json
from typing import cast

from evalgate.model import JSON, Response
from evalgate.results import RESULTS_FORMAT_VERSION, CaseResult
from evalgate.scorers.registry import ScoreRecord

# one encoder for every line (``json.dumps`` builds one per call): compact separators,
# non-ASCII text as is, encoded by the C encoder
encode_line = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

_text: Callable[[str], str] = _json.encode_basestring  # the escaper the encoder uses


def _encoder() -> Callable[[object], str]:
    """The C encoder ``encode_line`` uses, called directly (``encode`` sets one up per call)."""
    make = getattr(_json, "c_make_encoder", None)
    if make is None or _text is not getattr(_json, "c_encode_basestring", None):
        return encode_line  # no C encoder here: the plain one

    def default(o: object) -> JSON:
        raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")

    # (markers None: a cycle recurses until it fails, and the line is then encoded the plain
    # way, which says that it is circular)
    chunks = make(None, default, _text, None, ":", ",", False, False, True)
    return lambda o: "".join(chunks(o, 0))


_encode = _encoder()


def _value(v: object) -> str:
    """``v`` as the encoder writes it inside a line."""
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
        if f - f == 0.0:  # finite (the encoder writes NaN and Infinity its own way)
            return float.__repr__(f)
    return _encode(v)


def _texts(items: Iterable[object]) -> str:
    """A list of strings (any other item: the whole list by the encoder)."""
    try:
        return "[" + ",".join(map(_text, items)) + "]"  # type: ignore[arg-type]
    except TypeError:
        return _encode(list(items))


def _response(r: Response) -> str:
    v = _value
    return (
        f'{{"output":{v(r.output)},"citations":{_texts(r.citations)}'
        f',"retrieved":{_texts(r.retrieved)}'
        f',"tool_calls":{_encode([t.to_dict() for t in r.tool_calls])}'
        f',"prompt_version":{v(r.prompt_version)},"model":{v(r.model)}'
        f',"input_tokens":{v(r.input_tokens)},"output_tokens":{v(r.output_tokens)}'
        f',"cost_usd":{v(r.cost_usd)},"latency_ms":{v(r.latency_ms)},"ttft_ms":{v(r.ttft_ms)}'
        f',"trace_id":{v(r.trace_id)},"refused":{v(r.refused)},"status_code":{v(r.status_code)}'
        f',"extra":{_encode(dict(r.extra))},"missing":{_texts(r.missing)}}}'
    )


class ResultLines:
    """Builds result lines; remembers the last score records written, and their text."""

    def __init__(self) -> None:
        self._scores: tuple[tuple[ScoreRecord, ...], str] = ((), "[]")

    def line(self, r: CaseResult) -> str:
        """``encode_line(r.to_dict())``."""
        try:
            return self._line(r)
        except Exception:  # a value the encoder refuses: fail (or not) as the plain way does
            return encode_line(r.to_dict())

    def _scores_text(self, records: tuple[ScoreRecord, ...]) -> str:
        last, text = self._scores  # one read: the pair is replaced whole
        if len(last) == len(records) and all(a is b for a, b in zip(last, records, strict=True)):
            return text
        text = _encode([s.to_dict() for s in records])
        self._scores = (records, text)
        return text

    def _line(self, r: CaseResult) -> str:
        v = _value
        response = _response(r.response) if r.response else "null"
        turns = _encode([t.to_dict() for t in r.turns]) if r.turns else "[]"
        return (
            f'{{"format_version":{RESULTS_FORMAT_VERSION},"case_id":{v(r.case_id)}'
            f',"dataset":{v(r.dataset)},"repeat":{v(r.repeat)},"status":{v(r.status)}'
            f',"outcome":{v(r.outcome)},"passed":{v(r.passed)},"score":{v(r.score)}'
            f',"scores":{self._scores_text(r.scores)},"latency_ms":{v(r.latency_ms)}'
            f',"request":{_encode(r.request)},"response":{response},"turns":{turns}'
            f',"error":{v(r.error)},"attempts":{v(r.attempts)},"tags":{_texts(r.tags)}'
            f',"file":{v(r.file)},"line":{v(r.line)},"content_hash":{v(r.content_hash)}'
            f',"threshold":{v(r.threshold)},"weight":{v(r.weight)}'
            f',"confirmation":{v(r.confirmation)}}}'
        )
