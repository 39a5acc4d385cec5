"""A local server that speaks the Langfuse public API, for tests."""

from tests.langfuse_server.server import PUBLIC_KEY, SECRET_KEY, LangfuseServer

__all__ = ["PUBLIC_KEY", "SECRET_KEY", "LangfuseServer"]
