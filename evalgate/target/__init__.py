"""The target client: the only code that speaks HTTP to the middleware under test.

``TargetClient(cfg).call(ctx)`` renders the request for one turn of one case, sends it with
retries, and returns a ``CallResult`` whose ``response`` is the mapped ``Response``.

The names below are imported from their modules when first used: what only checks a config
(``evalgate validate``: templates, presets) imports ``evalgate.target.template`` without the
client and the HTTP libraries under it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evalgate.target.client import CallResult, TargetClient
    from evalgate.target.context import ROOTS, TemplateContext, extend_history
    from evalgate.target.mapping import ResponseMapper
    from evalgate.target.presets import PRESETS, apply_preset
    from evalgate.target.template import (
        Template,
        TemplateProblem,
        check_template,
        compile_template,
        placeholders,
        template_problems,
    )

_WHERE = {
    "CallResult": "client",
    "TargetClient": "client",
    "ROOTS": "context",
    "TemplateContext": "context",
    "extend_history": "context",
    "ResponseMapper": "mapping",
    "PRESETS": "presets",
    "apply_preset": "presets",
    "Template": "template",
    "TemplateProblem": "template",
    "check_template": "template",
    "compile_template": "template",
    "placeholders": "template",
    "template_problems": "template",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "PRESETS",
    "ROOTS",
    "CallResult",
    "ResponseMapper",
    "TargetClient",
    "Template",
    "TemplateContext",
    "TemplateProblem",
    "apply_preset",
    "check_template",
    "compile_template",
    "extend_history",
    "placeholders",
    "template_problems",
]
