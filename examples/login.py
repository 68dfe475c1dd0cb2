"""A login page with `request.session`: the host Starlette app owns the session (a signed cookie)
and the login/logout routes; the App reads `self.request.session` to know who is there.

A WebSocket has no response to carry a cookie, so what changes the session (logging in and out)
is a plain HTTP form post; everything else is htag.

    uvicorn examples.login:host     (or: python examples/login.py)
"""

# `tag <= child` is htag's append operator, not a comparison
# ruff: noqa: B015

import hmac
import os
import secrets
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import RedirectResponse
from starlette.routing import Mount, Route

from htag import State, Tag, WebApp

USERS = {"ada": "lovelace", "alan": "turing"}  # a real app checks a password hash
SECRET = os.environ.get("HTAG_SECRET_KEY") or secrets.token_urlsafe(32)


class Site(Tag.App):
    """The session survives a reload (F5) and so does the App: what depends on who is logged in
    is built in `on_mount`, which runs at every page load, with `self.request` that page's."""

    statics = [Tag.title("htag login")]

    def init(self):
        self.clicks = State(0)
        self.main = Tag.div(_id="main")

    def on_mount(self):
        session = self.request.session
        user = session.get("user")
        self.main.clear()
        if user is None:
            # written during the page load, so it is saved in the cookie: the forms' CSRF token
            session.setdefault("csrf", secrets.token_urlsafe(16))
            self.main <= Tag.h1("Log in", _id="title")
            if session.pop("failed", False):
                self.main <= Tag.p("wrong name or password", _id="error")
            self.main <= Tag.form(
                Tag.input(_type="hidden", _name="csrf", _value=session["csrf"], _id="login-csrf"),
                Tag.input(_name="user", _id="user", _placeholder="name"),
                Tag.input(_name="password", _id="password", _type="password", _placeholder="password"),
                Tag.button("log in", _type="submit", _id="submit"),
                _method="post",
                _action="/login",
                _id="login",
            )
            return
        self.main <= Tag.h1(f"Welcome {user}", _id="title")
        self.main <= Tag.button("click", _id="click", _onclick=self.click)
        self.main <= Tag.span(lambda: f"{user} clicked {self.clicks.value} times", _id="clicks")
        self.main <= Tag.form(
            Tag.input(_type="hidden", _name="csrf", _value=session.get("csrf", ""), _id="logout-csrf"),
            Tag.button("log out", _type="submit", _id="logout"),
            _method="post",
            _action="/logout",
        )

    def click(self, e):
        self.clicks.value += 1


async def form_of(request):
    """An urlencoded form's fields (Starlette's `request.form()` needs python-multipart)."""
    return {key: values[0] for key, values in parse_qs((await request.body()).decode()).items()}


def same_token(request, form):
    return hmac.compare_digest(
        str(form.get("csrf", "")).encode(), str(request.session.get("csrf", "-")).encode()
    )


async def login(request):
    form = await form_of(request)
    user = str(form.get("user", ""))
    if same_token(request, form) and hmac.compare_digest(
        USERS.get(user, "\0").encode(), str(form.get("password", "")).encode()
    ):
        request.session["user"] = user
    else:
        request.session["failed"] = True
    return RedirectResponse("/", status_code=303)


async def logout(request):
    if same_token(request, await form_of(request)):
        request.session.clear()
    return RedirectResponse("/", status_code=303)


host = Starlette(
    routes=[
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Mount("/", app=WebApp(Site, secret_key=SECRET).app),
    ],
    middleware=[Middleware(SessionMiddleware, secret_key=SECRET, same_site="strict")],
)

if __name__ == "__main__":
    import uvicorn

    uvicorn.run(host, host="127.0.0.1", port=int(os.environ.get("HTAG_PORT", "8000")))
