"""Several pages in one App with the hash router: links, back/forward and bookmarks work, and
the session (with its App) stays alive from page to page.

    htag run examples/pages.py:Site
"""

from htag import Router, Tag

BOOKS = {
    "1": ("Dune", "Frank Herbert", 1965),
    "2": ("Neuromancer", "William Gibson", 1984),
    "3": ("The Left Hand of Darkness", "Ursula K. Le Guin", 1969),
}


class Home(Tag.div):
    def init(self):
        Tag.h2("Home", _id="title")
        Tag.p("A small library: pick a book.")


class Books(Tag.div):
    def init(self):
        Tag.h2("Books", _id="title")
        with Tag.ul(_id="books"):
            for key, (name, _author, _year) in BOOKS.items():
                Tag.li(Tag.a(name, _href=f"#/books/{key}"))


class Book(Tag.div):
    def init(self, key):
        found = BOOKS.get(key)
        if found is None:
            Tag.h2("Not found", _id="title")
            return
        name, author, year = found
        Tag.h2(name, _id="title")
        Tag.p(f"{author}, {year}", _id="details")


class Site(Tag.App):
    statics = [Tag.title("htag pages")]

    def init(self):
        self.router = Router()
        self.router.add_route("/", Home)
        self.router.add_route("/books", Books)
        self.router.add_route("/books/:key", Book)
        with Tag.nav():
            Tag.a("home", _href="#/", _id="to-home")
            Tag.a("books", _href="#/books", _id="to-books")
            Tag.button("open Neuromancer", _id="open-2", _onclick=self.open_neuromancer)
        Tag.p(lambda: f"at {self.router.path.value}", _id="at")
        self.add(self.router)

    def open_neuromancer(self, e):
        self.router.navigate("/books/2")


if __name__ == "__main__":
    from htag import WebApp

    WebApp(Site).run()
