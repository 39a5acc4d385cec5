"""What a request template can read for one call, and how each name is looked up."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from evalgate.model import JSON, Case
from evalgate.quickinit import quick_init

ROOTS = ("input", "case", "session_id", "turn", "repeat", "run_id", "history", "messages")
CASE_FIELDS = ("id", "dataset", "metadata", "tags")
SCALAR_ROOTS = frozenset({"session_id", "turn", "repeat", "run_id"})


@quick_init
@dataclass(frozen=True, slots=True)
class TemplateContext:
    """Everything a template can read for one call (one turn of one repeat of one case)."""

    case: Case
    input: Mapping[str, JSON]
    session_id: str = ""
    turn: int = 0
    history: tuple[Mapping[str, JSON], ...] = ()
    run_id: str = ""
    repeat: int = 0


Getter = Callable[["TemplateContext"], Any]


def _chat_messages(ctx: TemplateContext) -> Any:
    """``{{ messages }}``: the input's own messages, else history plus this turn's message."""
    given = ctx.input.get("messages")
    if isinstance(given, Sequence) and not isinstance(given, str):
        return [dict(m) if isinstance(m, Mapping) else m for m in given]
    out: list[Any] = [dict(m) for m in ctx.history]
    message = ctx.input.get("message")
    if message is not None:
        out.append({"role": "user", "content": message})
    return out


def _case_root(ctx: TemplateContext) -> Any:
    c = ctx.case
    return {"id": c.id, "dataset": c.dataset, "metadata": c.metadata, "tags": list(c.tags)}


ROOT_GETTERS: dict[str, Getter] = {
    "input": lambda ctx: ctx.input,
    "case": _case_root,
    "session_id": lambda ctx: ctx.session_id,
    "turn": lambda ctx: ctx.turn,
    "repeat": lambda ctx: ctx.repeat,
    "run_id": lambda ctx: ctx.run_id,
    "history": lambda ctx: [dict(m) for m in ctx.history],
    "messages": _chat_messages,
}
# case.x reads the attribute directly, skipping the dict built for a bare {{ case }}
CASE_GETTERS: dict[str, Getter] = {
    "id": lambda ctx: ctx.case.id,
    "dataset": lambda ctx: ctx.case.dataset,
    "metadata": lambda ctx: ctx.case.metadata,
    "tags": lambda ctx: list(ctx.case.tags),
}


def extend_history(
    history: tuple[Mapping[str, JSON], ...], turn_input: Mapping[str, JSON], output: str | None
) -> tuple[Mapping[str, JSON], ...]:
    """The history for the next turn: this turn's message and the answer appended."""
    added: list[Mapping[str, JSON]] = []
    message = turn_input.get("message")
    if message is not None:
        added.append({"role": "user", "content": message})
    if output is not None:
        added.append({"role": "assistant", "content": output})
    return (*history, *added)


def json_default(o: Any) -> Any:
    if isinstance(o, Mapping):
        return dict(o)
    if isinstance(o, (set, frozenset)):
        return sorted(o)
    raise TypeError(f"{type(o).__name__} is not JSON serialisable")
