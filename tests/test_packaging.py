"""The wheel: every subpackage in it, no maintainer tool, and `briefcast demo` working from it.

The editable install maps `briefcast` to the checkout, so every other test would pass with a
subpackage, a template or a migration missing from the wheel. These tests build the wheel from
a copy of the checkout (an in-place build leaves build/ behind, whose stale files a later build
would ship), install it in a fresh virtualenv and run the demo from a folder outside the
checkout. The dependencies come from pip's usual sources (its find-links and cache first).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from fnmatch import fnmatch
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Top-level folders that are not part of the package (setup.py leaves them out).
NOT_SHIPPED = ("tests", "benchmarks", "docs")
# Folders of Python files that are not subpackages, and why.
MODULES_AS_DATA = {
    "campaigns/data": "extract_caniemail.py, a maintainer script kept out of the wheel",
    "store/migrations": "Alembic's env.py, shipped as data",
    "store/migrations/versions": "the migrations, shipped as data: Alembic loads them by path",
}
MAINTAINER_SCRIPT = "briefcast/campaigns/data/extract_caniemail.py"
DEMO_CAMPAIGN = "national-panel-2020"


@cache
def _gitignored() -> tuple[str, ...]:
    lines = (ROOT / ".gitignore").read_text().splitlines()
    return tuple(line.strip().rstrip("/") for line in lines if line.strip())


def _ignored(name: str) -> bool:
    """Hidden, or named by .gitignore (build/, venv/, var/, __pycache__/, ...): not source."""
    return name.startswith(".") or any(fnmatch(name, pattern) for pattern in _gitignored())


def package_folders() -> Iterator[str]:
    """The checkout's folders that belong to the package, relative to the root ("" for it)."""
    for folder, subfolders, _files in os.walk(ROOT):
        here = Path(folder)
        subfolders[:] = sorted(
            name
            for name in subfolders
            if not _ignored(name) and not (here == ROOT and name in NOT_SHIPPED)
        )
        relative = here.relative_to(ROOT).as_posix()
        yield "" if relative == "." else relative


def test_every_folder_of_modules_is_a_package():
    # setup.py finds subpackages by their __init__.py, while the editable install and the tests
    # import a folder without one as a namespace package: it would be missing from the wheel
    # with every other test passing.
    without_init = [
        folder or "."
        for folder in package_folders()
        if any((ROOT / folder).glob("*.py")) and not (ROOT / folder / "__init__.py").exists()
    ]
    assert sorted(without_init) == sorted(MODULES_AS_DATA), (
        "a folder of modules needs an __init__.py to be in the wheel "
        "(or, if its files are data, a line in MODULES_AS_DATA and in pyproject's package-data)"
    )


# -- the built wheel (slow: a build, a virtualenv, the dependencies, the demo) -------------------


def _run(command: list[str | Path], *, cwd: Path, timeout: float) -> str:
    """Run a command in `cwd` to completion, in this environment less what would point it at
    the checkout or at a test's settings; its output, or a failure showing the end of it."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
        and not name.startswith("BRIEFCAST_")
    }
    result = subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env={**environment, "COLUMNS": "200"},  # wide enough that rich wraps no line
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{command[0]} failed ({result.returncode}):\n{output[-4000:]}"
    return output


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("checkout") / "briefcast"
    shutil.copytree(ROOT, source, ignore=lambda _folder, names: [n for n in names if _ignored(n)])
    dist = tmp_path_factory.mktemp("dist")
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", dist, source],
        cwd=dist,
        timeout=300,
    )
    [built] = dist.glob("briefcast-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the wheel and its dependencies installed: its bin/ folder."""
    venv = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", venv], cwd=venv, timeout=120)
    _run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", wheel], cwd=venv, timeout=600)
    return venv / "bin"


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_wheel_holds_every_package_and_no_maintainer_tool(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = {
        name.removesuffix("/__init__.py") for name in names if name.endswith("/__init__.py")
    }
    assert packages == {
        f"briefcast/{folder}".rstrip("/")
        for folder in package_folders()
        if (ROOT / folder / "__init__.py").exists()
    }
    assert (ROOT / MAINTAINER_SCRIPT.removeprefix("briefcast/")).exists()  # in the checkout...
    assert MAINTAINER_SCRIPT not in names  # ...not in the wheel
    not_for_run_time = [
        name
        for name in names
        if name.split("/")[1] in NOT_SHIPPED
        or name == "briefcast/setup.py"
        or "__pycache__" in name
        or name.endswith(".mako")  # the template of `alembic revision`
    ]
    assert not_for_run_time == []


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_demo_runs_from_the_installed_wheel(installed, tmp_path):
    elsewhere = tmp_path / "elsewhere"  # not the checkout: nothing can be found from there
    elsewhere.mkdir()
    where = _run(
        [installed / "python", "-c", "import briefcast; print(briefcast.__file__)"],
        cwd=elsewhere,
        timeout=60,
    )
    assert Path(where.strip()).is_relative_to(installed.parent)

    output = _run(
        [installed / "briefcast", "demo", "--no-serve", "--dir", "demo", "--every", "1"],
        cwd=elsewhere,
        timeout=600,
    )
    demo = elsewhere / "demo"
    # Templates and the caniemail data: every issue rendered and checked.
    assert len(list((demo / "preview").glob("0*.html"))) == 6
    assert "problems" not in output
    # Migrations: the database was set up.
    assert (demo / "var" / "briefcast.db").exists()
    # Examples: the lists imported and the series sent to the outbox.
    assert any((demo / "var" / "outbox" / "new").iterdir())
    # Report templates.
    report = demo / f"report-{DEMO_CAMPAIGN}.html"
    assert "<svg" in report.read_text(encoding="utf-8")
