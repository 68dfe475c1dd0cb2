"""A generator callback (htag 2.0.28 style): each `yield` shows a step, the `return`
value resolves the client's Promise."""

# `tag <= child` is htag's append operator, not a comparison
# ruff: noqa: B015

from htag import Tag, WebApp


class App(Tag.App):
    def init(self):
        self.log = Tag.ul(_id="log")
        Tag.h1("Steps")
        Tag.button("Run", _id="run", _onclick=self.run)
        self <= self.log

    def run(self, event):
        for step in ("fetch", "parse", "store"):
            self.log <= Tag.li(step)
            yield  # sent to the browser at once
        return len(self.log.childs)


app = WebApp(App)

if __name__ == "__main__":
    app.run()
