"""Streaming from a generator callback: each `yield` sends what changed so far, so results
appear one by one while the callback is still working (a sync generator works the same way, and
its `return` value becomes the reply's result).

    htag run examples/stream.py:Stream
"""

import asyncio

from htag import State, Tag

PRIMES_UP_TO = 60


def is_prime(n):
    return n > 1 and all(n % d for d in range(2, int(n**0.5) + 1))


class Stream(Tag.App):
    statics = [Tag.title("htag streaming")]

    def init(self):
        self.found = State([])
        self.status = State("idle")
        Tag.button("find primes", _id="go", _onclick=self.find)
        Tag.p(self.status, _id="status")
        Tag.ol(lambda: [Tag.li(n) for n in self.found.value], _id="primes")

    async def find(self, e):
        self.found.value = []
        self.status.value = "searching"
        yield  # the browser shows "searching" now
        for n in range(PRIMES_UP_TO + 1):
            if is_prime(n):
                self.found.append(n)
                await asyncio.sleep(0.02)  # slow work: each prime shows as soon as it is found
                yield
        self.status.value = f"done: {len(self.found.value)} primes"


if __name__ == "__main__":
    from htag import WebApp

    WebApp(Stream).run()
