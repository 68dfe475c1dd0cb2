"""A big table: 1,000 rows, sorted by a click on a column header (again: the other way), and
filtered as you type. A click re-renders only the table body, and only what changed travels.

    htag run examples/bigtable.py:BigTable
"""

import random

from htag import State, Tag

COLUMNS = ("id", "name", "city", "score")
CITIES = ("Paris", "Lyon", "Oslo", "Lima", "Kyoto", "Quito", "Accra", "Perth")
NAMES = ("ada", "alan", "grace", "linus", "guido", "barbara", "ken", "margaret")


def make_rows(count=1000, seed=7):
    pick = random.Random(seed)
    return [
        {
            "id": i,
            "name": f"{pick.choice(NAMES)}-{i}",
            "city": pick.choice(CITIES),
            "score": pick.randint(0, 999),
        }
        for i in range(1, count + 1)
    ]


class BigTable(Tag.App):
    statics = [Tag.title("htag big table")]
    styles = """
        th { cursor: pointer; text-align: left; padding-right: 2rem; }
        td { padding-right: 2rem; }
    """

    def init(self):
        self.rows = make_rows()
        self.order = State(("id", False))  # (column, descending)
        self.filter = State("")
        Tag.input(_id="filter", _placeholder="filter by city", _oninput=self.set_filter)
        Tag.p(lambda: f"{len(self.shown())} rows, by {self.order.value[0]}", _id="summary")
        with Tag.table(_id="table"):
            with Tag.thead(), Tag.tr():
                for column in COLUMNS:
                    Tag.th(column, _id=f"by-{column}", _onclick=lambda e, column=column: self.sort(column))
            Tag.tbody(self.render_body, _id="body")

    def shown(self):
        text = self.filter.value.lower()
        rows = [row for row in self.rows if text in row["city"].lower()] if text else self.rows
        column, descending = self.order.value
        return sorted(rows, key=lambda row: row[column], reverse=descending)

    def render_body(self):
        return [Tag.tr(*(Tag.td(row[c]) for c in COLUMNS)) for row in self.shown()]

    def sort(self, column):
        current, descending = self.order.value
        self.order.value = (column, not descending if column == current else False)

    def set_filter(self, e):
        self.filter.value = str(e.value or "")


if __name__ == "__main__":
    from htag import WebApp

    WebApp(BigTable).run()
