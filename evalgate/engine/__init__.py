"""The engine: one path from a loaded project to a judged run.

- :mod:`.selection`: which cases a run covers.
- :mod:`.execution`: prepare the run folder, call the target and score
  (through :mod:`evalgate.runner`), keeping every finished result.
- :mod:`.core`: :func:`run_eval` (a new run) and :func:`gate_stored` (stored results), the
  only entry points the commands, the Python API and the pytest plugin use.
- :mod:`.conclude`: report files, ``summary.json``, the exit status, baseline recording.
- :mod:`.stored`: load, merge, rescore and copy stored runs.
"""

from evalgate.engine.core import EvalResult, Hooks, RunOptions, gate_stored, run_eval

__all__ = ["EvalResult", "Hooks", "RunOptions", "gate_stored", "run_eval"]
