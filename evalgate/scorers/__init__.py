"""Scorers: the registry and the built-in families (one module per family)."""

from evalgate.scorers.registry import REGISTRY, Registry, ScoreRecord, apply_scorer, scorer

__all__ = ["REGISTRY", "Registry", "ScoreRecord", "apply_scorer", "scorer"]
