"""BigTable workload (shared/workloads/bigtable_app.py), parametrized by its number of rows.

`make_bigtable(rows)` returns an App class with exactly the structure of the shared workload: a
button and a table of `rows` rows, each with 9 static `td` and one `td` showing its own `State(0)`
(11 tags a row). The button's callback increments one row's State. `BigTable` is the 1,000-row one.

The only addition is `self.state_cells`, a plain Python list of the `td` that show each row's State:
it is not part of the tree, and lets the benchmark check that a frame really carries the changed cell.
"""

from htag import State, Tag

ROWS = 1000
SIZES = (100, 1_000, 10_000)


def make_bigtable(rows: int) -> type:
    """The BigTable App class with `rows` rows (public htag API only)."""

    class BigTable(Tag.App):
        def init(self):
            self.cells = [State(0) for _ in range(rows)]
            self.state_cells = []
            self.k = 0
            Tag.button("bump", _id="bump", _onclick=self.bump)
            with Tag.table():
                for r in range(rows):
                    with Tag.tr():
                        for c in range(9):
                            Tag.td(f"r{r}c{c}", _class="cell")
                        self.state_cells.append(Tag.td(self.cells[r]))

        def bump(self, e):
            self.cells[self.k % rows].value += 1
            self.k += 7

    return BigTable


BigTable = make_bigtable(ROWS)
