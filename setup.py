"""The package list, derived: every folder with an `__init__.py` below the root is a subpackage.

pyproject.toml maps the repository root to `briefcast`, which its own `packages.find` cannot
express (it would name the subpackages `campaigns`, not `briefcast.campaigns`), so this hook
prefixes what `find_packages` finds. Everything else about the build is in pyproject.toml.
A folder of modules without an `__init__.py` would still be left out: tests/test_packaging.py
refuses one.
"""

from setuptools import find_packages, setup

NOT_SHIPPED = ["tests*", "benchmarks*", "docs*", "build*"]  # the checkout's, not the package's

setup(
    packages=["briefcast", *(f"briefcast.{name}" for name in find_packages(exclude=NOT_SHIPPED))],
    # A build backend runs this file under its own name; told this one, setuptools keeps the
    # setup script out of the root package's modules (the root being the package).
    script_name="setup.py",
)
