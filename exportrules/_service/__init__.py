"""The reference HTTP service: a thin layer over the library (``exportrules serve``).

Private package, installed with the extra ``exportrules[service]`` (Starlette on uvicorn,
prometheus_client). It holds no decision logic: every answer comes from one
``exportrules.Engine`` per process. See docs/deployment.md.
"""

from ._settings import Settings

__all__ = ["Settings"]
