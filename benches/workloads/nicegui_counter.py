"""The Counter workload (`counter_app.py`) written the idiomatic NiceGUI way, for `benches/browser_side.py`.

    <nicegui venv python> benches/workloads/nicegui_counter.py --port 8123

The same page as htag's `Counter`: 200 static `li` (class `it`), the count, a button that adds 1.
`@ui.page('/')` gives every browser tab its own client (and its own elements), as htag gives every
session its own App. The count is a `ui.label` updated with `set_text` from the button's `on_click`;
the list items are a two-line `TextElement` subclass, NiceGUI's way to emit a tag with text (a
`ui.label` would emit a `div`). The classes `bench-count` / `bench-inc` only let the benchmark find
the two elements (NiceGUI assigns its own ids). Started as NiceGUI users start it:
`ui.run(port=..., show=False, reload=False)`.
"""

import argparse

from nicegui import ui
from nicegui.elements.mixins.text_element import TextElement


class Li(TextElement):
    def __init__(self, text: str) -> None:
        super().__init__(tag="li", text=text)


@ui.page("/")
def counter() -> None:
    n = 0
    with ui.element("ul"):
        for i in range(200):
            Li(f"item {i}").classes("it")
    count = ui.label("0").classes("bench-count")

    def inc() -> None:
        nonlocal n
        n += 1
        count.set_text(str(n))

    ui.button("inc", on_click=inc).classes("bench-inc")


if __name__ in {"__main__", "__mp_main__"}:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    ui.run(host=args.host, port=args.port, show=False, reload=False)
