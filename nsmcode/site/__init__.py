"""The metric handbook: a static, offline docs site generated from the definitions."""

from __future__ import annotations

from nsmcode.site.build import BuildResult, build_site, render_site

__all__ = ["BuildResult", "build_site", "render_site"]
