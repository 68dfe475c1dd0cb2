"""Apps served by the compat tests (imported by the server subprocess)."""

from htag import Tag


class EventProbe(Tag.App):
    """Each button answers with what its callback saw of the Event."""

    def init(self):
        Tag.button("probe", _id="probe", _onclick=self.probe)
        Tag.button("x", _id="valued", _value="x", _onclick=self.probe)

    def probe(self, e):
        return {
            "value": e.value,
            "id": e.id,
            "item_id": e["id"],
            "name": e.name,
            "target": e.target.id,
            "a": e.a,
            "missing": e.missing,
        }


class RequestProbe(Tag.App):
    """What htag 2's `htag.core.current_request` holds in init and in a callback."""

    def init(self):
        from htag.core import current_request

        self.seen_in_init = type(current_request.get()).__name__
        Tag.button("probe", _id="probe", _onclick=self.probe)

    def probe(self, e):
        from htag.core import current_request

        return {"init": self.seen_in_init, "callback": type(current_request.get()).__name__}
