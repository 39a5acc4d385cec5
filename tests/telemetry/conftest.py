from tests.canary.demo_project import project, server

__all__ = ["project", "server"]
