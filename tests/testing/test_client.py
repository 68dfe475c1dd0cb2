"""htag.testing.Client in-process: a real session of an App through its ASGI application."""

from __future__ import annotations

import time

import pytest
from testing_apps import (
    Bubbles,
    Chat,
    Counter,
    Failing,
    Form,
    Greeter,
    Lifecycle,
    MountFails,
    Pushes,
    Site,
    Texts,
)

from htag import WebApp
from htag.testing import Client, SelectorError, ServerError


def test_counter_click_in_milliseconds():
    with Client(Counter):  # the first client of the process pays for the imports
        pass
    started = time.perf_counter()
    with Client(Counter) as page:
        assert page.text("#count") == "0"
        assert page.click("+") == 1  # the callback's result
        page.click("#inc")
        page.click("-")
        assert page.text("#count") == "1"
        assert page.title == "Counter"
    # printed, not asserted: on a loaded machine a timing is no failure (typically ~5 ms)
    print(f"counter test: {(time.perf_counter() - started) * 1000:.1f} ms")


def test_typing_then_a_callback_reads_the_value():
    with Client(Greeter) as page:
        page.type("#name", "Ada")
        page.type("#note", "second")
        page.click("Greet")
        assert page.text("#out") == "Hello Ada! (second)"
        assert page.value("#name") == "Ada"
        page.type("Your name", "Bob")  # a placeholder names its field
        page.click("Greet")
        assert page.text("#out") == "Hello Bob! (second)"


def test_an_input_handler_receives_the_value():
    with Client(Greeter) as page:
        page.type("#live", "quiet")
        assert page.text("#echo") == "QUIET"


def test_enter_sends_and_the_reply_clears_the_focused_field():
    with Client(Greeter) as page:
        page.type("#msg", "hello")
        page.press("#msg", "Enter")
        assert page.text("#sent") == "hello"
        assert page.value("#msg") == ""  # the reply to its own event may overwrite it
        page.press("#msg", "a")  # another key: nothing sent
        assert [li.text for li in page.find_all("#sent li")] == ["hello"]


def test_check_select_and_submit_a_form():
    with Client(Form) as page:
        page.type("#who", "Ada")
        page.check("Newsletter")  # a label stands for its control
        assert page.find("#news").checked
        page.check("#size-l")
        assert not page.find("#size-s").checked  # one radio of a group
        page.select("#color", "Green")  # by label
        page.select("#tags", ["a", "c"])  # by value, several
        page.submit("#who")  # Enter in a field: the default button submits
        assert page.text("#result") == repr(
            sorted(
                {
                    "who": "Ada",
                    "news": True,
                    "size": "l",
                    "color": "g",
                    "tags": ["a", "c"],
                    "action": "send",  # the submitter's name and value
                }.items()
            )
        )
        page.uncheck("#news")
        page.submit("#f")
        assert "('news', False)" in page.text("#result")


def test_a_change_handler_gets_the_checked_state():
    with Client(Form) as page:
        page.check("#alone")
        assert page.text("#state") == "alone=True"
        page.click("#alone")
        assert page.text("#state") == "alone=False"
        assert not page.find("#alone").checked


def test_values_synced_without_handlers_reach_the_server():
    with Client(Form) as page:
        page.type("#who", "Zed")
        page.select("#color", "r")
        page.check("#news")
        app = page.app
        assert app.find_tag("who")["value"] == "Zed"
        assert app.find_tag("news")["checked"] in (True, "")
        assert app.find_tag("color")["value"] == "r"


def test_a_thread_pushes_updates_that_wait_for_sees():
    with Client(Pushes) as page:
        page.click("thread")
        page.wait_for("text=thread done")
        assert page.text("#ticks") == "5"
        assert page.wait_for(lambda p: p.text("#ticks") == "5")


def test_a_task_pushes_updates():
    with Client(Pushes) as page:
        page.click("task")
        element = page.wait_for("text=task done", timeout=5)
        assert element.text == "task done"
        assert page.text("#ticks") == "50"


def test_wait_for_fails_with_the_page_when_nothing_comes():
    with Client(Pushes) as page:
        with pytest.raises(AssertionError, match="never appeared") as failure:
            page.wait_for("#nothing", timeout=0.05)
        assert 'id="ticks"' in str(failure.value)


def test_reload_keeps_the_session_and_mounts_again():
    with Client(Lifecycle) as page:
        page.click("click")
        app = page.app
        assert page.text("#mounts") == "1"
        page.reload()
        assert page.app is app  # F5: the same session, the same App
        assert page.text("#mounts") == "2"  # unmounted and mounted again
        assert page.text("#clicks") == "1"
        page.click("click")
        assert page.text("#clicks") == "2"


def test_a_discarded_session_reloads_into_a_new_one():
    webapp = WebApp(Lifecycle, secret_key="k")
    with Client(webapp, lifespan=True) as page:
        page.click("click")
        first = page.app
        webapp.sessions.discard(next(s.sid for s in webapp.sessions.all() if s.app is first))
        # the socket closes; the client connects again, the server says reload, the page reloads
        page.wait_for(lambda p: p.text("#clicks") == "0")
        assert page.app is not first
        page.click("click")
        assert page.text("#clicks") == "1"


def test_the_test_changes_the_app_as_a_thread_would():
    with Client(Counter) as page:
        page.app.n.value = 5
        page.wait_for(lambda p: p.text("#count") == "5")


def test_trusted_hosts_with_a_base_url():
    with Client(Counter, hosts=["app.example"], base_url="http://app.example") as page:
        page.click("+")
        assert page.url == "http://app.example/"
    with pytest.raises(AssertionError, match="answered 400"):
        Client(Counter, hosts=["app.example"]).__enter__()


def test_call_js_is_recorded_not_run():
    with Client(Lifecycle) as page:
        page.click("js")
        assert page.scripts == ["console.log('from python')"]


def test_text_targets_prefer_the_innermost_clickable():
    with Client(Texts) as page:
        assert page.title == "Texts page"
        page.click("Add")  # the button, not the <li> around it nor the other <li>
        assert page.text("#log") == "button"
        page.click("Save")  # the div with the handler, not its span
        assert page.text("#log") == "div"
        page.click("Open")
        assert page.text("#log") == "link"
        page.click("Go")  # an <input type=submit> by its value
        assert page.text("#log") == "go"
        assert page.find("text=Add").tag == "button"


def test_a_missing_target_shows_the_html_around():
    with Client(Texts) as page:
        with pytest.raises(AssertionError) as failure:
            page.click("#list > li.done")
        message = str(failure.value)
        assert "no element for selector '#list > li.done'" in message
        assert message.splitlines()[1].startswith('<ul id="list">')  # the closest container
        with pytest.raises(
            AssertionError, match=r"'search' \(but an element shows that text: say text=search\)"
        ):
            page.click("search")  # a word that is an element name is a selector
        page.click("text=search")
        assert page.text("#log") == "search"
        with pytest.raises(AssertionError, match="no element for text 'Nope'") as failure:
            page.click("Nope")
        assert "<body" in str(failure.value)


def test_an_ambiguous_target_lists_the_candidates_and_their_html():
    with Client(Texts) as page:
        with pytest.raises(AssertionError) as failure:
            page.click("Twice")
        message = str(failure.value)
        assert "2 elements for text 'Twice'" in message
        assert message.count('class="twin"') == 2


def test_an_unsupported_selector_is_a_clear_error():
    with Client(Texts) as page:
        with pytest.raises(SelectorError, match="pseudo-classes are not supported"):
            page.find("li:first-child")
        with pytest.raises(SelectorError, match=r"\+ is not supported"):
            page.find("#list + p")


def test_a_raising_callback_fails_the_test_with_its_message():
    with Client(Failing) as page:
        with pytest.raises(ServerError, match="ValueError: boom from a callback") as failure:
            page.click("boom")
        assert "Traceback" in str(failure.value)  # debug=True by default in tests
        with pytest.raises(ServerError, match="KeyError: 'async boom'"):
            page.click("async boom")
        page.click("ok")  # the session goes on
        assert page.text("#n") == "1"


def test_no_answer_in_time_fails_with_the_page():
    with Client(Failing, timeout=0.2) as page:
        with pytest.raises(
            AssertionError, match=r"no answer from the server to click on 'slow' \(after 0.2 s\)"
        ):
            page.click("slow")
        page.timeout = 10  # a loaded machine may take more than 0.2 s
        page.click("ok")  # the next message is not held up by the slow callback
        assert page.text("#n") == "1"


def test_production_mode_hides_the_error_details():
    with Client(Failing, debug=False) as page:
        with pytest.raises(ServerError, match="An internal error occurred") as failure:
            page.click("boom")
        assert "Traceback" not in str(failure.value)


def test_events_bubble_and_prevent_keeps_a_checkbox():
    with Client(Bubbles) as page:
        page.click("inner")
        assert page.text("#log") == "inner:v1,outer:True"  # <button value> is sent, as htag 2 did
        page.click("#locked")
        assert not page.find("#locked").checked
        assert page.text("#log").endswith("locked")
        page.click("#r2")  # prevented: the group is as it was
        assert page.find("#r1").checked
        assert not page.find("#r2").checked
        assert page.text("#log").endswith("locked,locked")


def test_two_sessions_of_one_webapp_see_each_other():
    webapp = WebApp(Chat, secret_key="k")
    with Client(webapp, lifespan=True) as ada, Client(webapp) as bob:
        ada.type("#text", "hi bob")
        ada.click("Send")
        assert bob.wait_for("text=hi bob").tag == "li"
        assert ada.app is not bob.app


def test_a_shared_app_instance():
    with Client(Counter()) as one, Client(Counter) as other:
        one.click("+")
        assert one.text("#count") == "1"
        assert other.text("#count") == "0"


def test_parano_mode_frames_are_decoded():
    with Client(Greeter, parano=True) as page:
        assert page.core.config["parano"]  # the frames travel obfuscated
        page.type("#live", "secret")
        assert page.text("#echo") == "SECRET"


def test_an_upload_needs_a_handler_and_files_given_as_paths_or_tuples():
    with Client(Form) as page:
        with pytest.raises(AssertionError, match="no drop handler"):
            page.upload("#who", ("a.txt", b"data"))
        with pytest.raises(TypeError, match="a path or"):
            page.upload("#who", b"data")


def test_a_dropped_socket_reconnects_and_gets_the_body_again():
    import asyncio

    async def flow():
        async with Client(Counter) as page:
            await page.click("+")
            (session,) = page.webapp.sessions.all()
            for conn in list(session.connections):
                conn.close(4001)  # as when its outbox overflows
            await page.settle()  # the close arrives
            await page.click("+")  # sent once connected again
            assert page.text("#count") == "2"
            assert len(session.connections) == 1

    asyncio.run(flow())


async def _async_flow():
    async with Client(Counter) as page:
        await page.click("+")
        await page.click("+")
        assert page.text("#count") == "2"
        await page.reload()
        assert page.text("#count") == "2"
        return page.find("#count").text


def test_async_face_in_a_plain_event_loop():
    import asyncio

    assert asyncio.run(_async_flow()) == "2"


@pytest.mark.anyio
async def test_async_face_under_anyio():
    assert await _async_flow() == "2"


@pytest.fixture
def anyio_backend():
    return "asyncio"


def test_an_app_mounted_under_a_path_of_a_host_application():
    from starlette.applications import Starlette
    from starlette.routing import Mount

    host = Starlette(routes=[Mount("/ui", app=WebApp(Counter, secret_key="k").app)])
    with Client(host, path="/ui/") as page:
        page.click("+")
        assert page.text("#count") == "1"
        page.reload()
        assert page.text("#count") == "1"


def test_a_router_follows_links_navigate_and_the_fragment():
    with Client(Site) as page:
        assert page.text("h2") == "Home"  # the Router asked for the fragment: none
        page.click("to user 3")  # a #link: hashchange
        assert page.text("h2") == "User 3"
        assert page.url == "http://testserver/#/users/3"
        page.click("home")  # navigate(): location.hash is set, its echo comes back
        assert page.text("h2") == "Home"
        assert page.url.endswith("/#/")
        page.go("#/users/7")  # the address bar
        assert page.text("h2") == "User 7"
        page.reload()  # F5 keeps the fragment
        assert page.text("h2") == "User 7"
    with Client(Site, path="/#/users/5") as page:  # a bookmark
        assert page.text("h2") == "User 5"


def test_an_error_no_action_waits_for_fails_the_next_one():
    with Client(MountFails) as page:
        with pytest.raises(ServerError, match="ValueError: mount failed"):
            page.wait_for("text=never there", timeout=30)  # fails when it arrives, not after 30 s
        page.click("ok")  # reported once; the session goes on
