"""The built-in reference middleware: a small, deterministic support copilot over HTTP.

See docs/demo.md. ``evalgate.demo.server.start_server`` runs it; ``copilot.answer`` is its logic.
"""
