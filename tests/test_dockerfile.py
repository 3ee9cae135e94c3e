"""The Dockerfile's own steps, run in a fresh venv: images cannot be built on these machines,
so this is how we know its install and start steps work."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).parents[1]


def instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def test_dockerfile_is_slim_non_root_exposed_and_health_checked() -> None:
    steps = instructions()
    keywords = dict(steps)
    assert re.fullmatch(r"python:3\.1\d-slim", keywords["FROM"])
    assert keywords["USER"] not in ("root", "0")
    assert keywords["EXPOSE"] == "7891"
    assert "MOCKGATEWAY_HOST=0.0.0.0" in keywords["ENV"]
    assert "MOCKGATEWAY_CONTROL_TOKEN=" in keywords["ENV"], "shown where the image opens up"
    assert "/_mock/health" in keywords["HEALTHCHECK"]
    assert [k for k, _ in steps].index("USER") > [k for k, _ in steps].index("RUN")


def test_dockerfile_install_and_start_steps_work_in_a_fresh_venv(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    env_vars: dict[str, str] = {}
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    bin_dir = environment / "bin"
    path = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
    cmd: list[str] = []
    health = ""
    for keyword, rest in instructions():
        if keyword == "COPY":
            *sources, _dest = rest.split()
            for source in sources:
                origin = ROOT / source
                if origin.is_dir():
                    shutil.copytree(
                        origin, app / source, ignore=shutil.ignore_patterns("__pycache__")
                    )
                else:
                    shutil.copy(origin, app / source)
        elif keyword == "RUN" and "pip install" in rest:
            subprocess.run(
                rest, shell=True, cwd=app, check=True, env={**os.environ, "PATH": path}, timeout=600
            )
        elif keyword == "ENV":
            env_vars.update(dict(pair.split("=", 1) for pair in shlex.split(rest)))
        elif keyword == "CMD":
            cmd = [str(bin_dir / part) if i == 0 else part for i, part in enumerate(eval(rest))]
        elif keyword == "HEALTHCHECK":
            health = rest.split("CMD", 1)[1].strip()
    # Tests listen on 127.0.0.1 on a port the OS picks; the image's own values are checked above.
    run_env = {
        **os.environ,
        **env_vars,
        "PATH": path,
        "MOCKGATEWAY_HOST": "127.0.0.1",
        "MOCKGATEWAY_PORT": "0",
    }
    process = subprocess.Popen(
        cmd, cwd=tmp_path, env=run_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("mockgateway listening on http://127.0.0.1:"), (
            process.stderr.read() if process.stderr else ""
        )
        port = line.split()[3].rsplit(":", 1)[1]
        check = health.replace("7891", port).replace("python ", f"{sys.executable} ", 1)
        assert subprocess.run(check, shell=True, timeout=30).returncode == 0
    finally:
        process.terminate()
        process.wait(timeout=30)
