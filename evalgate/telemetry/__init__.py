"""The eval's own telemetry: JSON call logs (``logjson``) and the fields they share with metrics.

OpenTelemetry metrics live in :mod:`evalgate.integrations.otel` (an optional extra).
"""
