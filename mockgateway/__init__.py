"""mockgateway: a local, strict mock of the Montnets SMS gateway for tests.

Start it with ``mockgateway serve``; drive it from Python with :func:`create_app` or the pytest
plugin, or from any language over its ``/_mock/`` control API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["Gateway", "Scenario", "__version__", "create_app", "load_scenario"]

if TYPE_CHECKING:
    from mockgateway.domain.gateway import Gateway
    from mockgateway.http.app import create_app
    from mockgateway.scenario import Scenario
    from mockgateway.scenario import load_file as load_scenario


def __getattr__(name: str) -> Any:
    # Lazy, so that `import mockgateway` (and the CLI's start-up) pays only for what it uses.
    if name == "Gateway":
        from mockgateway.domain.gateway import Gateway

        return Gateway
    if name == "create_app":
        from mockgateway.http.app import create_app

        return create_app
    if name == "Scenario":
        from mockgateway.scenario import Scenario

        return Scenario
    if name == "load_scenario":
        from mockgateway.scenario import load_file

        return load_file
    raise AttributeError(name)
