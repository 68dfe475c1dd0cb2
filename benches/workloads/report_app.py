from htag import Tag, State

SALES = [(i * 7919) % 1000 for i in range(60_000)]  # a day of sales, in cents


class Report(Tag.App):
    """A click whose server work outweighs its message: a report over 60,000 sales (about a
    millisecond of Python), answered with one small number (benches/scale_out.py)."""

    def init(self):
        self.total = State(0)
        Tag.span(self.total, _id="total")
        Tag.button("recompute", _id="recompute", _onclick=self.recompute)

    def recompute(self, e):
        big = [s for s in SALES if s >= 500]
        self.total.value = sum(big) // len(big) + self.total.value % 7
