"""evalgate: the eval gate for LLM middleware.

The public API is for custom scorer authors::

    from evalgate import Case, Response, Score, scorer
"""

from evalgate.model import Case, Response, Score, ToolCall
from evalgate.scorers.registry import scorer

__version__ = "0.1.0"

__all__ = ["Case", "Response", "Score", "ToolCall", "__version__", "scorer"]
