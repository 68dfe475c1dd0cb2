"""Ways to run an htag App other than serving it to any browser (`WebApp.run`)."""

from .chromeapp import BrowserNotFoundError, ChromeApp

__all__ = ["BrowserNotFoundError", "ChromeApp"]
