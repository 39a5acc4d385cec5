"""Citations: present, which documents, and whether they were actually retrieved.

Cited ids come from ``response.citations`` and from markers in the answer text:
``[kb-refunds]``, ``[doc:kb-refunds]``, ``[source: kb-x]``, ``(source: kb-x)``, ``【kb-x】``,
numbered ``[1]`` / ``[2, 3]`` / ``【1†source】`` and footnotes ``[^1]`` (numbers resolve against
``response.retrieved``, 1-based; a footnote definition ``[^1]: kb-x`` wins over the number).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from evalgate.model import JSON, Case, Response, Score
from evalgate.scorers._util import one_line, output_text
from evalgate.scorers.registry import Check, prepared, scorer

_IDS: dict[str, JSON] = {"type": "array", "items": {"type": "string", "minLength": 1}}
PARAMS: dict[str, JSON] = {
    "oneOf": [
        {"type": "boolean"},
        {
            "type": "object",
            "properties": {
                "required": {"type": "boolean"},
                "any_of": {**_IDS, "minItems": 1},
                "all_of": {**_IDS, "minItems": 1},
                "none_of": {**_IDS, "minItems": 1},
                "min": {"type": "integer", "minimum": 0},
                "must_be_retrieved": {"type": "boolean"},
                "in_text": {"type": "boolean"},
                "pattern": {"type": "string", "minLength": 1},
            },
            "additionalProperties": False,
        },
    ]
}

_ID = r"[A-Za-z0-9][\w.:/#-]{0,100}"  # bounded: markers are short, text may not be
_PREFIX = r"(?:(?:doc|docs|source|sources|src|ref|cite|kb)\s*:\s*)?"
_MARKERS = [
    # [^1] footnote references (definitions "[^1]: ..." are read separately)
    re.compile(r"\[\^(\w+)\](?!:)"),
    # [1], [2, 3], [doc:kb-x], [kb-x, kb-y]; not markdown links "[text](url)" or "[x]" boxes
    re.compile(rf"\[{_PREFIX}({_ID}(?:[ \t]*[,;][ \t]*{_ID}){{0,20}})\](?![(:])"),
    # (source: kb-x) and (sources: kb-x, kb-y)
    re.compile(
        rf"\((?:source|sources|src|ref|refs)\s*:\s*({_ID}(?:[ \t]*[,;][ \t]*{_ID}){{0,20}})\)", re.I
    ),
    # 【kb-x】 and 【3†source】
    re.compile(r"【[ \t]*([^】†\s【]{1,100})[^】【]{0,100}】"),
]
# what a text must hold for each marker to match in it
_MARKERS_NEED = list(zip(_MARKERS, ("[^", "[", "(", "【"), strict=True))
_FOOTNOTE_DEF = re.compile(rf"^\[\^(\w+)\]:\s*\[?{_PREFIX}({_ID})", re.MULTILINE)
_SPLIT = re.compile(r"\s*[,;]\s*")


class Cited(NamedTuple):
    """Ids cited by a response: from the citations field, from the text, and unresolved ones."""

    ids: tuple[str, ...]
    in_text: tuple[str, ...]
    unresolved: tuple[str, ...]


def text_markers(text: str, pattern: str | None = None) -> list[str]:
    """Raw marker tokens in ``text`` in order (numbers not yet resolved)."""
    return _markers(text, None if pattern is None else re.compile(pattern))


def _markers(text: str, rx: re.Pattern[str] | None) -> list[str]:
    if rx is not None:
        return [t for m in rx.finditer(text) for t in _SPLIT.split(_group(m).strip()) if t]
    body = _FOOTNOTE_DEF.sub("", text) if "[^" in text else text
    found: list[tuple[int, str]] = []
    for marker, needs in _MARKERS_NEED:
        if needs not in body:  # each marker starts with its own character: no scan without it
            continue
        for m in marker.finditer(body):
            group = m.group(1).strip()
            if "," in group or ";" in group:
                at = m.start()
                found.extend((at, t) for t in _SPLIT.split(group) if t)
            elif group:  # one id: nothing to split
                found.append((m.start(), group))
    if not found:
        return []
    tokens = [t for _, t in sorted(found, key=_at)] if len(found) > 1 else [found[0][1]]
    # a one-character token is a check box ("[x]"), unless it is a number
    return [t for t in tokens if len(t) > 1 or t.isdecimal()]


def _at(found: tuple[int, str]) -> int:
    return found[0]


def _group(m: re.Match[str]) -> str:
    return (m.group(1) if m.re.groups >= 1 else m.group(0)) or ""


def cited_ids(response: Response, pattern: str | None = None) -> Cited:
    """Every id the response cites (deduplicated, in order of appearance)."""
    return _cited(response, None if pattern is None else re.compile(pattern))


def _cited(response: Response, rx: re.Pattern[str] | None) -> Cited:
    text = output_text(response)
    cited = list(map(str, response.citations))
    tokens = _markers(text, rx)
    if not tokens:  # most answers: nothing marked in the text, or nothing to resolve
        return Cited(tuple(_dedupe(cited)) if len(cited) > 1 else tuple(cited), (), ())
    footnotes = (
        {m.group(1): m.group(2) for m in _FOOTNOTE_DEF.finditer(text)} if "[^" in text else {}
    )
    retrieved: tuple[str, ...] | None = None  # read for the first number
    in_text: list[str] = []
    unresolved: list[str] = []
    for token in tokens:
        if token in footnotes:  # a footnote's definition wins over its number
            in_text.append(footnotes[token])
        elif token.isdecimal():  # [1]: the first document retrieved (int() reads every digit)
            if retrieved is None:
                retrieved = tuple(map(str, response.retrieved))
            n = int(token)
            if 1 <= n <= len(retrieved):
                in_text.append(retrieved[n - 1])
            else:
                unresolved.append(f"[{token}]")
        else:
            in_text.append(token)
    ids = _dedupe([*cited, *in_text]) if cited or len(in_text) > 1 else in_text
    marked = tuple(_dedupe(in_text)) if len(in_text) > 1 else tuple(in_text)
    return Cited(tuple(ids), marked, tuple(_dedupe(unresolved)))


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _ids(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else []


def _names(ids: Iterable[str]) -> str:
    return ", ".join(one_line(i)[:60] for i in ids)


_REQUIRED: Mapping[str, Any] = {"required": True}  # `citation: true`
_NO_CITATIONS = Score.ok("no citations, as expected")
_KEPT = 256  # passing scores kept per expect item, one per set of cited ids


def _no_citations(response: Response, case: Case) -> Score:  # `citation: false`
    cited = _cited(response, None)
    if cited.ids or cited.unresolved:
        return Score.fail(f"expected no citations; cited {_names(cited.ids + cited.unresolved)}")
    return _NO_CITATIONS


def _prepare(params: Any) -> Check:
    if params is False:  # `citation: false`: the answer must not cite anything
        return _no_citations
    params = params if isinstance(params, Mapping) else _REQUIRED
    pattern = params.get("pattern") if isinstance(params.get("pattern"), str) else None
    try:
        rx = None if pattern is None else re.compile(pattern)
    except re.error as exc:
        invalid = Score.fail(f"invalid citation pattern /{pattern}/: {exc}")
        return lambda response, case: invalid
    required = bool(params.get("required"))
    least = params["min"] if isinstance(params.get("min"), int) and params["min"] > 0 else None
    any_of = _ids(params.get("any_of"))
    all_of = _ids(params.get("all_of"))
    none_of = _ids(params.get("none_of"))
    retrieved = bool(params.get("must_be_retrieved"))
    marked = bool(params.get("in_text"))
    n_checks = sum(
        map(bool, (required, least is not None, any_of, all_of, none_of, retrieved, marked))
    )
    ok = "cited {}" if n_checks else "no citation checks configured; cited {}"
    passes: dict[tuple[str, ...], Score] = {}  # the passing score for each set of cited ids

    def check(response: Response, case: Case) -> Score:
        cited = _cited(response, rx)
        ids = set(cited.ids)
        # the reason of each check that fails, in the order the checks are listed
        failed: list[str] = []
        if required and not ids:
            failed.append("expected at least one citation; found none")
        if least is not None and len(ids) < least:
            failed.append(
                f"expected at least {least} cited documents; cited {_names(cited.ids) or 'none'}"
            )
        if any_of and not any(i in ids for i in any_of):
            shown = _names(cited.ids) or "none"
            failed.append(f"expected a citation of any of {_names(any_of)}; cited {shown}")
        if all_of:
            missing = [i for i in all_of if i not in ids]
            if missing:
                shown = _names(cited.ids) or "none"
                failed.append(f"missing citation of {_names(missing)}; cited {shown}")
        if none_of:
            bad = [i for i in none_of if i in ids]
            if bad:
                failed.append(f"cites forbidden {_names(bad)}")
        if retrieved:
            fine, why = _retrieved_check(response, cited)
            if not fine:
                failed.append(why)
        if marked:
            unmarked = [c for c in response.citations if str(c) not in cited.in_text]
            if not cited.in_text:
                failed.append(
                    "expected citation markers like [kb-id] or [1] in the answer text; found none"
                )
            elif unmarked:
                failed.append(
                    f"cited {_names(str(c) for c in unmarked)} without a marker in the answer text"
                )
        if failed:
            return Score((n_checks - len(failed)) / n_checks, False, "; ".join(failed))
        score = passes.get(cited.ids)
        if score is None:
            if len(passes) >= _KEPT:
                passes.clear()
            score = passes[cited.ids] = Score.ok(ok.format(_names(cited.ids) or "none"))
        return score

    return check


@scorer("citation", params=PARAMS)
@prepared(_prepare)
def citation(response: Response, params: Any, case: Case) -> Score:
    """The answer cites documents as required (presence, ids, retrieved, markers in text)."""
    return _prepare(params)(response, case)


def _retrieved_check(response: Response, cited: Cited) -> tuple[bool, str]:
    retrieved = {str(r) for r in response.retrieved}
    hallucinated = [i for i in cited.ids if i not in retrieved] + list(cited.unresolved)
    if not hallucinated:
        return True, ""
    hint = " (nothing was retrieved: is the 'retrieved' response mapping set?)"
    return False, (
        f"cited {_names(hallucinated)} but {'it was' if len(hallucinated) == 1 else 'they were'}"
        " not retrieved"
        f"{hint if not retrieved else ''}; retrieved: {_names(sorted(retrieved)) or 'none'}"
    )
