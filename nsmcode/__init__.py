"""nsmcode: your North Star Metric, its inputs, KPIs and OKRs as code.

The Python API (see docs/python.md) is imported on first use, so `import nsmcode` and the
command line's start-up stay light:

    import nsmcode
    project = nsmcode.load("examples/metrics")
    project.query(["weekly_active_integration_points"], by="week").to_pandas()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from nsmcode.api import Project, ProjectError, Result, Status, load

__all__ = ["Project", "ProjectError", "Result", "Status", "__version__", "load"]

_API = ("Project", "ProjectError", "Result", "Status", "load")


def __getattr__(name: str) -> Any:
    if name in _API:
        from nsmcode import api

        return getattr(api, name)
    raise AttributeError(f"module 'nsmcode' has no attribute {name!r}")
