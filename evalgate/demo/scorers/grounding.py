"""Custom scorers for the demo goldens: ``grounded_or_fallback`` and ``mentions_retrieved_title``.

evalgate imports every ``*.py`` file in ``scorers_dir``; a file registers scorers with
``@scorer`` (see docs/demo.md). These two are defined in ``evalgate.demo.grounding`` so that
this folder and its twin in the package register them only once.
"""

import evalgate.demo.grounding  # noqa: F401  (importing registers the scorers)
