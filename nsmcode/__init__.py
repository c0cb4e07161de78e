"""nsmcode: your North Star Metric, its inputs, KPIs and OKRs as code."""

__version__ = "0.1.0"
