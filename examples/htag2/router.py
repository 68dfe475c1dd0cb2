"""A hash router (htag 2.0.28 style): `Router` swaps pages on `#/...` changes."""

# `tag <= child` is htag's append operator, not a comparison
# ruff: noqa: B015

from htag import Router, Tag, WebApp


class Home(Tag.div):
    def init(self):
        self <= Tag.h2("Home")


class User(Tag.div):
    def init(self, id):
        self <= Tag.h2(f"User {id}")


class App(Tag.App):
    def init(self):
        self.router = Router()
        self.router.add_route("/", Home)
        self.router.add_route("/users/:id", User)
        with Tag.nav():
            Tag.a("home", _href="#/")
            Tag.a("user 7", _href="#/users/7")
        Tag.p(lambda: f"at {self.router.path.value}")
        self <= self.router


app = WebApp(App)

if __name__ == "__main__":
    app.run()
