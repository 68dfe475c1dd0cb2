"""Mounted in a host Starlette app with its own sessions (htag 2.0.28 style): the
host's `/login` writes its session; the App reads it in `init` through
`self.request.session`.

    uvicorn hosted:host      (or any ASGI server)
"""

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import RedirectResponse
from starlette.routing import Mount, Route

from htag import Tag, WebApp


class App(Tag.App):
    def init(self):
        user = self.request.session.get("user", "anonymous")
        Tag.h1(f"Welcome {user}", _id="welcome")
        self.visits = 0
        Tag.button("Visit", _id="visit", _onclick=self.visit)

    def visit(self, e):
        self.visits += 1
        return {"user": self.request.session.get("user"), "visits": self.visits}


async def login(request):
    request.session["user"] = request.query_params.get("user", "ada")
    return RedirectResponse("/app/", status_code=303)


host = Starlette(
    routes=[Route("/login", login), Mount("/app", app=WebApp(App).app)],
    middleware=[Middleware(SessionMiddleware, secret_key="change me: host secret")],
)

if __name__ == "__main__":
    import uvicorn

    uvicorn.run(host)
