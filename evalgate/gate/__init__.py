"""The gate: baseline store, statistics and policy -> verdict (pure, deterministic)."""
