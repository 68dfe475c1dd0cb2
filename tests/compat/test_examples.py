"""Each app of examples/htag2/ (htag 2.0.28 style, unchanged) served by our htag on a real
Granian server answers its event as it does on upstream 2.0.28 (the expectations of
`examples/htag2/compare.py`, which checks them on both sides)."""

# `tag <= child` is htag's append operator, not a comparison
# ruff: noqa: B015

from __future__ import annotations

import asyncio
import sys

import pytest

from htag import Tag
from htag.server.dispatch import Dispatcher

from ._support import compare


def scenario_params() -> list:
    return [pytest.param(scenario, id=scenario.name) for scenario in compare.SCENARIOS]


@pytest.mark.parametrize("scenario", scenario_params())
def test_example_answers_its_event_on_ours(scenario, tmp_path):
    with compare.serve(scenario.spec, sys.executable, tmp_path) as server:
        outcome = asyncio.run(compare.drive(server.url, scenario, ours=True))
    assert outcome.error is None, outcome
    assert outcome.action == "update"
    assert outcome.result == scenario.expect_result
    assert scenario.expect_text in outcome.text_after


def test_there_are_six_examples_at_least():
    assert len(compare.SCENARIOS) >= 6
    assert all(s.spec.split(":")[0].endswith(".py") for s in compare.SCENARIOS)


def test_a_generator_callbacks_return_value_is_the_result():
    """htag 2: the value a generator callback returns resolves the client's Promise (the
    reply's `result`); each `yield` sends a frame without a callback id before it."""

    class App(Tag.App):
        def init(self):
            self.out = Tag.ul()
            Tag.button("go", _id="go", _onclick=self.go)
            self <= self.out

        def go(self, e):
            self.out <= Tag.li("one")
            yield
            self.out <= Tag.li("two")
            return {"items": 2}

    app = App()
    app.render_page()
    frames = []
    message = {"id": "go", "event": "click", "data": {"callback_id": "g"}}
    asyncio.run(Dispatcher(debug=True).handle(app, message, frames.append))
    assert frames[-1]["callback_id"] == "g" and frames[-1]["result"] == {"items": 2}
    assert all("callback_id" not in f for f in frames[:-1]) and "one" in str(frames[0])


def test_the_compare_scripts_page_model():
    """The tiny DOM of compare.py applies updates by id and reads the visible text."""
    page = compare.Page(
        '<html><head><title>T</title></head><body id="b"><p id="x">a</p><i>b</i></body></html>'
    )
    page.apply({"action": "update", "updates": {"x": '<p id="x">changed</p>'}})
    assert page.text() == "changed b"
    page.apply({"action": "update", "updates": {"b": '<body id="b"><br>new</body>'}})
    assert page.text() == "new"
