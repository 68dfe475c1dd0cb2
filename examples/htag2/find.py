"""`find_tag(root, id)` (htag 2.0.28 style): a callback finds a tag by its HTML id."""

from htag import Tag, WebApp


class App(Tag.App):
    def init(self):
        with Tag.div(_id="panel"):
            Tag.span("closed", _id="state")
        Tag.button("Open", _id="open", _onclick=self.open)

    def open(self, e):
        state = self.find_tag(self, "state")
        state.text = "open"
        return state is not None


app = WebApp(App)

if __name__ == "__main__":
    app.run()
