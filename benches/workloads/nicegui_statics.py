"""`statics_app.py` the NiceGUI way, for `benches/statics.py`: the same ten components'
CSS and JS, added to the page as NiceGUI components add theirs (`ui.add_css`,
`ui.add_head_html`: inline in the page), the count and its button.

    <nicegui venv python> benches/workloads/nicegui_statics.py --port 8123
"""

import argparse
import sys
from pathlib import Path

from nicegui import ui

sys.path.insert(0, str(Path(__file__).resolve().parent))
from statics_content import COMPONENTS, css, js  # noqa: E402


@ui.page("/")
def page() -> None:
    for i in range(COMPONENTS):
        ui.add_css(css(i))
        ui.add_head_html(f"<script>{js(i)}</script>")
        ui.label(f"component {i}").classes(f"c{i}-r1")
    n = 0
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
