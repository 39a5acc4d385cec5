"""Langfuse: production traces to golden cases (import) and runs to dataset runs (export).

The official ``langfuse`` SDK is heavy to import (~0.5 s), so nothing in this package imports it
at module level except :mod:`.client`, and the commands import this package's modules only
inside the command functions. ``langfuse.*`` errors are translated to :class:`EvalgateError`
here and never escape the package.
"""
