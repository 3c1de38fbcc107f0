"""Shared fixtures: the sample returns, a fresh store per test, the CLI run for real."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

DATA = Path(__file__).parent / "data"
SAMPLES = DATA / "samples-2024q1"
ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def examples_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of the bundled examples' 504 returns (2021–2023), made once: read it, or copy
    it before writing."""
    from ncctd_cli.api import ingest
    from ncctd_cli.store import Store

    path = tmp_path_factory.mktemp("examples") / "ex.sqlite"
    with Store.open(path) as store:
        report = ingest(store, [EXAMPLES / "returns"])
        assert not report.refused and report.summary["stored"] == 504
    return path


@pytest.fixture
def samples_dir() -> Path:
    """The 43 sample files written by LibreOffice (41 returns + 2 to refuse)."""
    return SAMPLES / "returns"


@pytest.fixture
def samples_expected() -> dict:
    return json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A store path in a fresh folder (the file does not exist yet)."""
    return tmp_path / "store.sqlite"


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NCCTD_", "NO_COLOR"))}
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(extra or {})
    return env


@pytest.fixture
def run_ncctd(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the real ``ncctd`` in a subprocess (``python -m ncctd_cli``), in tmp_path."""

    def run(
        *args: str | Path,
        input: str | bytes | None = None,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        timeout: float = 120,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "ncctd_cli", *map(str, args)],
            input=input,
            capture_output=True,
            text=not isinstance(input, bytes),
            env=_env(env),
            cwd=cwd or tmp_path,
            timeout=timeout,
        )

    return run


@pytest.fixture
def cli() -> Callable[..., Result]:
    """Run ``ncctd`` in-process with click's CliRunner (fast; for option parsing)."""
    from ncctd_cli.cli import cli as group

    def invoke(*args: str | Path, input: str | bytes | None = None) -> Result:
        return CliRunner().invoke(group, [str(a) for a in args], input=input, catch_exceptions=False)

    return invoke
