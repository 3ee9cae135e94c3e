"""Scenario files: what a test chooses about the gateway's behaviour, loaded and checked whole."""

from mockgateway.scenario.loader import ScenarioError, load_file, load_named, load_text
from mockgateway.scenario.model import Scenario

__all__ = ["Scenario", "ScenarioError", "load_file", "load_named", "load_text"]
