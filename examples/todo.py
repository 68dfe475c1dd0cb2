"""A todo list with forms: a form to add, a checkbox per item, a select to filter, a button
to clear what is done. Every control sends its value with the event (`e.value`, `e["name"]`).

    htag run examples/todo.py:Todo
"""

from htag import State, Tag

FILTERS = {
    "all": lambda item: True,
    "active": lambda item: not item["done"],
    "done": lambda item: item["done"],
}


class Todo(Tag.App):
    statics = [Tag.title("htag todo")]
    styles = """
        body { font-family: system-ui, sans-serif; max-width: 36rem; margin: 2rem auto; }
        .done label { text-decoration: line-through; color: #888; }
        #items { list-style: none; padding: 0; }
    """

    def init(self):
        self.items = State([])
        self.shown = State("all")
        Tag.h1("Todo")
        with Tag.form(_onsubmit=self.add_item, _id="new"):
            Tag.input(_name="text", _id="text", _placeholder="something to do", _autocomplete="off")
            Tag.button("add", _type="submit", _id="add")
        with Tag.select(_id="filter", _onchange=self.filter):
            for name in FILTERS:
                Tag.option(name, _value=name)
        Tag.ul(self.render_items, _id="items")
        Tag.p(lambda: f"{sum(not i['done'] for i in self.items.value)} left", _id="left")
        Tag.button("clear done", _id="clear-done", _onclick=self.clear_done)

    def add_item(self, e):
        text = (e["text"] or "").strip()
        if text:
            self.items.append({"text": text, "done": False})
            self.call_js("document.getElementById('text').value = ''")

    def render_items(self):
        keep = FILTERS[self.shown.value]
        return [
            Tag.li(
                Tag.input(
                    _type="checkbox",
                    _id=f"item-{index}",
                    _checked=item["done"],
                    _onchange=lambda e, index=index: self.mark(index, bool(e.value)),
                ),
                Tag.label(item["text"], _for=f"item-{index}"),
                _class="done" if item["done"] else "",
            )
            for index, item in enumerate(self.items.value)
            if keep(item)
        ]

    def mark(self, index, done):
        self.items[index]["done"] = done

    def filter(self, e):
        if e.value in FILTERS:
            self.shown.value = e.value

    def clear_done(self, e):
        self.items.value = [item for item in self.items.value if not item["done"]]


if __name__ == "__main__":
    from htag import WebApp

    WebApp(Todo).run()
