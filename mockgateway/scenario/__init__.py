"""Scenario files: what a test chooses about the gateway's behaviour, loaded and checked whole.

The loader is imported on first use: the domain reads the models (``scenario.model``) without
paying for YAML, and the loader may in turn read the endpoint registry, which reads the domain.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mockgateway.scenario.model import Scenario

__all__ = ["Scenario", "ScenarioError", "load_file", "load_named", "load_text"]

if TYPE_CHECKING:
    from mockgateway.scenario.loader import ScenarioError, load_file, load_named, load_text


def __getattr__(name: str) -> Any:
    if name in ("ScenarioError", "load_file", "load_named", "load_text"):
        from mockgateway.scenario import loader

        return getattr(loader, name)
    raise AttributeError(name)
