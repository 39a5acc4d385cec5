"""The target client: the only code that speaks HTTP to the middleware under test.

``TargetClient(cfg).call(ctx)`` renders the request for one turn of one case, sends it with
retries, and returns a ``CallResult`` whose ``response`` is the mapped ``Response``.
"""

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
