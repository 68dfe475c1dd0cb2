"""A chat room: a message typed in one browser appears in every other browser.

    python examples/chat.py                      # one process: http://127.0.0.1:8000/

Across processes (each browser on any of them) the messages go through Redis:

    HTAG_PUBSUB_URL=redis://127.0.0.1:6379 HTAG_SECRET_KEY=... \\
        htag run examples/chat.py:Chat --procs 3 --port 8001
    htag nginx-conf --procs 3 --port 8001 --listen 8080 > chat.conf   # then nginx -p DIR -c chat.conf

Each App subscribes to the topic "room" when it starts (`htag.pubsub`); sending publishes on it,
and every subscriber, in whichever process, appends the message to its own list.
"""

import os

from htag import State, Tag, pubsub

TOPIC = "room"
KEEP = 50  # lines shown


class Chat(Tag.App):
    statics = [Tag.title("htag chat")]
    styles = """
        body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; }
        #lines { list-style: none; padding: 0; }
        #lines li { padding: .2rem 0; border-bottom: 1px solid #eee; }
    """

    def init(self):
        self.lines = State([])
        self.name = f"guest-{os.getpid() % 1000}-{id(self) % 1000}"
        Tag.h1("htag chat")
        Tag.p(f"You are {self.name} (served by process {os.getpid()})", _id="me")
        with Tag.form(_onsubmit=self.send, _id="say"):
            self.field = Tag.input(_name="msg", _placeholder="a message", _id="msg", _autocomplete="off")
            Tag.button("send", _type="submit")
        Tag.ul(self.render_lines, _id="lines")
        # a bound method: the subscription ends with this App (and in on_destroy, at once)
        self.subscription = pubsub.subscribe(TOPIC, self.heard)

    def send(self, event):
        text = (event["msg"] or "").strip()[:500]
        if text:
            pubsub.publish(TOPIC, {"who": self.name, "text": text})
            self.field["value"] = ""  # the browser's field empties with the reply

    def heard(self, message):
        self.lines.value = [*self.lines.value, f"{message['who']}: {message['text']}"][-KEEP:]

    def render_lines(self):
        return [Tag.li(line) for line in self.lines.value]

    def on_destroy(self):
        self.subscription.cancel()


if __name__ == "__main__":
    from htag import WebApp

    WebApp(Chat).run(open_browser=False)
