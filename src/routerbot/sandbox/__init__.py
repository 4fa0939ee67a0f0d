"""The JSM sandbox: an in-memory Jira Service Management served over real HTTP.

Used by the demo, by support leads, and as the main fake in tests::

    from routerbot.sandbox import SandboxModel, SandboxServer, FaultPlan

    with SandboxServer(SandboxModel.seeded(), faults=FaultPlan.parse("429=0.05")) as sb:
        ...  # point the Jira adapter at sb.url with (sb.email, sb.token)
"""

from routerbot.sandbox.faults import FaultPlan, Latency
from routerbot.sandbox.model import SandboxApiError, SandboxModel
from routerbot.sandbox.server import SandboxServer

__all__ = ["FaultPlan", "Latency", "SandboxApiError", "SandboxModel", "SandboxServer"]
