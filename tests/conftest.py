"""Every test runs against the installed wheel, never the source tree."""

from pathlib import Path

import htag

try:
    from hypothesis import HealthCheck, settings
except ImportError:  # pragma: no cover - hypothesis is in the test extra
    settings = None

if settings is not None:
    # Timings never decide a unit test: on a loaded 2-core machine an example may take
    # seconds, which is no failure (speed is measured by benches/, not here)
    settings.register_profile("htag", deadline=None, suppress_health_check=[HealthCheck.too_slow])
    settings.load_profile("htag")

SOURCE = Path(__file__).resolve().parent.parent / "htag"


def pytest_report_header(config):
    return f"htag under test: {htag.__file__}"


def pytest_configure(config):
    if Path(htag.__file__).resolve().parent == SOURCE and not (SOURCE / "_core.abi3.so").exists():
        raise RuntimeError("the source htag/ shadows the installed wheel: run tests from tests/")
