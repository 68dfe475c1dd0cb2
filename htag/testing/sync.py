"""`Page`: the sync face of `AsyncPage`, for plain `def` tests. Every action runs on
the shared background loop (`loop.py`) and returns when the server has answered."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import loop
from .element import ElementSnapshot
from .page import WAIT_TIMEOUT, AsyncPage, Downloaded


class Page:
    """A browser tab on an htag App, for sync tests: what `with Client(MyApp) as page`
    gives. The methods are those of `AsyncPage`, without `await`."""

    def __init__(self, core: AsyncPage) -> None:
        self.core = core
        core.face = self

    # reading: no I/O, the frames received so far are applied first
    def find(self, target: str) -> ElementSnapshot:
        __tracebackhide__ = True
        return self.core.find(target)

    def find_all(self, target: str) -> list[ElementSnapshot]:
        __tracebackhide__ = True
        return self.core.find_all(target)

    def exists(self, target: str) -> bool:
        __tracebackhide__ = True
        return self.core.exists(target)

    def html(self, target: str | None = None) -> str:
        __tracebackhide__ = True
        return self.core.html(target)

    def text(self, target: str | None = None) -> str:
        __tracebackhide__ = True
        return self.core.text(target)

    def value(self, target: str) -> Any:
        __tracebackhide__ = True
        return self.core.value(target)

    @property
    def title(self) -> str | None:
        __tracebackhide__ = True
        return self.core.title

    @property
    def timeout(self) -> float:
        """Seconds the server has to answer an action."""
        return self.core.timeout

    @timeout.setter
    def timeout(self, seconds: float) -> None:
        self.core.timeout = seconds

    @property
    def url(self) -> str:
        return self.core.url

    @property
    def scripts(self) -> list[str]:
        __tracebackhide__ = True
        return self.core.scripts

    @property
    def errors(self) -> list[dict[str, Any]]:
        __tracebackhide__ = True
        return self.core.errors

    @property
    def app(self) -> Any:
        __tracebackhide__ = True
        return self.core.app

    # acting and waiting: on the loop
    def click(self, target: str) -> Any:
        __tracebackhide__ = True
        return loop.run(self.core.click(target))

    def type(self, target: str, text: str) -> None:
        __tracebackhide__ = True
        loop.run(self.core.type(target, text))

    def check(self, target: str, checked: bool = True) -> None:
        __tracebackhide__ = True
        loop.run(self.core.check(target, checked))

    def uncheck(self, target: str) -> None:
        __tracebackhide__ = True
        loop.run(self.core.uncheck(target))

    def select(self, target: str, value: str | list[str]) -> None:
        __tracebackhide__ = True
        loop.run(self.core.select(target, value))

    def submit(self, target: str) -> Any:
        __tracebackhide__ = True
        return loop.run(self.core.submit(target))

    def press(self, target: str, key: str = "Enter") -> Any:
        __tracebackhide__ = True
        return loop.run(self.core.press(target, key))

    def dispatch(self, target: str, event: str, **data: Any) -> Any:
        __tracebackhide__ = True
        return loop.run(self.core.dispatch(target, event, **data))

    def go(self, fragment: str) -> None:
        __tracebackhide__ = True
        loop.run(self.core.go(fragment))

    def upload(self, target: str, *files: Any, event: str | None = None) -> Any:
        __tracebackhide__ = True
        return loop.run(self.core.upload(target, *files, event=event))

    def download(self, timeout: float = WAIT_TIMEOUT) -> Downloaded:
        __tracebackhide__ = True
        return loop.run(self.core.download(timeout))

    @property
    def upload_errors(self) -> list[str]:
        return self.core.upload_errors

    def wait_for(self, target: str | Callable[[Any], Any], timeout: float = WAIT_TIMEOUT) -> Any:
        __tracebackhide__ = True
        return loop.run(self.core.wait_for(target, timeout))

    def settle(self) -> None:
        __tracebackhide__ = True
        loop.run(self.core.settle())

    def reload(self) -> None:
        __tracebackhide__ = True
        loop.run(self.core.reload())

    def close(self) -> None:
        __tracebackhide__ = True
        loop.run(self.core.close())
