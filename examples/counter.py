"""The smallest htag app: a number and two buttons.

htag run examples/counter.py:Counter        # then open http://127.0.0.1:8000/
"""

from htag import State, Tag


class Counter(Tag.App):
    statics = [Tag.title("htag counter")]

    def init(self):
        self.count = State(0)
        Tag.h1("Counter")
        Tag.button("-1", _id="dec", _onclick=lambda e: self.change(-1))
        Tag.b(self.count, _id="count")
        Tag.button("+1", _id="inc", _onclick=lambda e: self.change(1))

    def change(self, step):
        self.count.value += step


if __name__ == "__main__":
    from htag import WebApp

    WebApp(Counter).run()
