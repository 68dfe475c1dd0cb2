"""Every test runs against the installed wheel, never the source tree."""

from pathlib import Path

import htag

SOURCE = Path(__file__).resolve().parent.parent / "htag"


def pytest_report_header(config):
    return f"htag under test: {htag.__file__}"


def pytest_configure(config):
    if Path(htag.__file__).resolve().parent == SOURCE and not (SOURCE / "_core.abi3.so").exists():
        raise RuntimeError("the source htag/ shadows the installed wheel: run tests from tests/")
