"""Request templating: types kept for lone placeholders, stringified when embedded."""

from __future__ import annotations

import pytest

from evalgate.errors import ConfigError
from evalgate.model import Case
from evalgate.target.template import (
    TemplateContext,
    check_template,
    compile_template,
    placeholders,
    template_problems,
)

CASE = Case(
    id="refund-window",
    dataset="support",
    input={"message": "hi", "history": [{"role": "user", "content": "a"}], "n": 3},
    tags=("critical", "rag"),
    metadata={"tenant": "acme", "limits": {"max": 5}},
)


def ctx(**over: object) -> TemplateContext:
    base: dict[str, object] = {
        "case": CASE,
        "input": CASE.input,
        "session_id": "s-1",
        "turn": 2,
        "history": ({"role": "user", "content": "earlier"}, {"role": "assistant", "content": "ok"}),
        "run_id": "run-9",
        "repeat": 1,
    }
    base.update(over)
    return TemplateContext(**base)  # type: ignore[arg-type]


def render(value: object, c: TemplateContext | None = None) -> object:
    return compile_template(value).render(c or ctx())


def test_lone_placeholder_keeps_json_type() -> None:
    body = {
        "history": "{{ input.history }}",
        "n": "{{ input.n }}",
        "tags": "{{ case.tags }}",
        "turn": "{{ turn }}",
        "all": "{{ input }}",
        "meta": "{{ case.metadata.limits }}",
    }
    out = render(body)
    assert out == {
        "history": [{"role": "user", "content": "a"}],
        "n": 3,
        "tags": ["critical", "rag"],
        "turn": 2,
        "all": dict(CASE.input),
        "meta": {"max": 5},
    }


def test_embedded_placeholders_are_stringified() -> None:
    out = render("{{ case.id }}/{{ case.dataset }} t{{ turn }} {{ case.tags }} {{ input.n }}")
    assert out == 'refund-window/support t2 ["critical", "rag"] 3'


def test_every_root() -> None:
    out = render(
        {
            "s": "{{ session_id }}",
            "r": "{{ repeat }}",
            "run": "{{ run_id }}",
            "h": "{{ history }}",
            "tenant": "{{ case.metadata.tenant }}",
            "first": "{{ history[0].content }}",
        }
    )
    assert out == {
        "s": "s-1",
        "r": 1,
        "run": "run-9",
        "h": [{"role": "user", "content": "earlier"}, {"role": "assistant", "content": "ok"}],
        "tenant": "acme",
        "first": "earlier",
    }


def test_missing_values_lone_null_embedded_empty() -> None:
    assert render({"x": "{{ input.nope }}", "y": "a{{ input.nope }}b"}) == {"x": None, "y": "ab"}
    assert render("{{ input.history[7].content }}") is None


def test_default_filter() -> None:
    out = render(
        {
            "a": "{{ input.nope | default(5) }}",
            "b": "{{ input.nope | default('x') }}",
            "c": "{{ input.nope | default([1, 2]) }}",
            "d": "{{ input.message | default('unused') }}",
            "e": "v={{ input.nope | default(true) }}",
            "f": "{{ input.nope | default(omit) }}",
            "g": ["{{ input.nope | default(omit) }}", 1],
        }
    )
    assert out == {"a": 5, "b": "x", "c": [1, 2], "d": "hi", "e": "v=true", "g": [1]}


def test_recursion_into_lists_and_constants_untouched() -> None:
    out = render([{"k": ["{{ input.message }}", 1, None, True]}, "plain {not a placeholder}"])
    assert out == [{"k": ["hi", 1, None, True]}, "plain {not a placeholder}"]


def test_render_returns_fresh_containers() -> None:
    t = compile_template({"a": {"b": [1]}})
    first = t.render(ctx())
    assert isinstance(first, dict)
    first["a"]["b"].append(2)
    assert t.render(ctx()) == {"a": {"b": [1]}}


def test_messages_root_builds_chat_messages() -> None:
    c = ctx(input={"message": "now"})
    assert render("{{ messages }}", c) == [
        {"role": "user", "content": "earlier"},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": "now"},
    ]
    given = [{"role": "system", "content": "s"}]
    assert render("{{ messages }}", ctx(input={"messages": given})) == given


def test_placeholders_lists_paths_once_in_order() -> None:
    tpl = {"a": "{{ input.message }} {{ case.id }}", "b": ["{{input.message}}", "{{ turn }}"]}
    assert placeholders(tpl) == ["input.message", "case.id", "turn"]


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ inptu.message }}", "unknown name 'inptu' in '{{ inptu.message }}' (did you mean"),
        ("{{ case.tenant }}", "unknown case field 'tenant'"),
        ("{{ }}", "empty placeholder"),
        ("{{ input.message", "without a closing"),
        ("{{ input.a | upper }}", "unknown filter 'upper'"),
        ("{{ input.a | default(nope) }}", "expected a JSON literal"),
        ("{{ turn.x }}", "'turn' is a single value"),
        ("{{ input..x }}", "cannot read placeholder"),
    ],
)
def test_check_template_reports_mistakes(template: str, expected: str) -> None:
    msgs = check_template({"body": {"m": template}})
    assert len(msgs) == 1
    assert msgs[0].startswith("body.m: ")
    assert expected in msgs[0]


def test_template_problems_carry_paths() -> None:
    problems = template_problems({"messages": [{"content": "{{ nope }}"}]})
    assert [p.path for p in problems] == [("messages", 0, "content")]


def test_compile_template_raises_config_error_naming_where() -> None:
    with pytest.raises(ConfigError, match=r"^target.body: m: unknown name 'inptu'"):
        compile_template({"m": "{{ inptu }}"}, "target.body")


def test_valid_templates_have_no_problems() -> None:
    assert (
        check_template({"a": "{{ input }}", "b": "{{ case.metadata.x.y | default(null) }}"}) == []
    )


def test_extend_history_appends_the_turn() -> None:
    from evalgate.target import extend_history

    h1 = extend_history((), {"message": "hi"}, "hello")
    assert h1 == ({"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"})
    h2 = extend_history(h1, {"message": "more"}, None)
    assert h2[-1] == {"role": "user", "content": "more"} and len(h2) == 3
