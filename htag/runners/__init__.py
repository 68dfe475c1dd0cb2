"""Ways to run an htag App other than serving it to any browser (`WebApp.run`):
`ChromeApp` opens it in a Chromium app window. `PyScript` (htag 2's in-browser
runner) is importable but cannot run here: see `htag.runners.pyscript`."""

from .chromeapp import BrowserNotFoundError, ChromeApp
from .pyscript import PyScript, PyScriptUnavailable

__all__ = ["BrowserNotFoundError", "ChromeApp", "PyScript", "PyScriptUnavailable"]
