"""A form submit (htag 2.0.28 style): the form's fields arrive as a dict in `e.value`."""

# `tag <= child` is htag's append operator, not a comparison
# ruff: noqa: B015

from htag import Tag, WebApp, prevent


class App(Tag.App):
    def init(self):
        self.greeting = Tag.p("Who are you?", _id="greeting")
        with Tag.form(_id="form", _onsubmit=prevent(self.submit)):
            Tag.input(_name="name", _placeholder="name")
            Tag.input(_name="city", _placeholder="city")
            Tag.button("Send", _type="submit")
        self <= self.greeting

    def submit(self, e):
        self.greeting.text = f"Hello {e['name']} from {e.value['city']}"
        return sorted(e.value)


app = WebApp(App)

if __name__ == "__main__":
    app.run()
