"""`Router` with htag 2's keyword names."""

from __future__ import annotations

from htag import App, Router, Tag


class Home(Tag.div):
    def init(self):
        self.add("home")


class Missing(Tag.div):
    def init(self, path=""):
        self.add(f"missing {path}")


def test_add_route_and_set_not_found_take_component_keywords():
    class Main(App):
        def init(self):
            self.router = Router()
            self.router.add_route("/", component=Home)
            self.router.set_not_found(component=Missing)
            self.add(self.router)

    app = Main()
    app.router.navigate("/")
    assert isinstance(app.router.page, Home)
    app.router.navigate("/nope")
    assert isinstance(app.router.page, Missing)
    assert app.router.page.text == "missing /nope"
