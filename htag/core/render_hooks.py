"""The functions Rust calls while it renders or builds a tag (`rust/src/hooks.rs`).

Reactive children and attributes are the only calls from a render back into
Python: they run the user's callable while recording which `State`s it reads, and
keep the tags a lambda builds mounted in the App (hooks deferred until the render
is over, since it runs under the App's lock). Registered with Rust on import.
"""

from __future__ import annotations

from typing import Any

from .. import _core
from .._core import F_EXTRA
from .html import HTML
from .state import State, tracking
from .tag import ATTRS, CONTENT, GTag


def _flatten(value: Any, out: list[Any]) -> list[Any]:
    if value is None:
        return out
    if isinstance(value, (str, _core.Node)):
        out.append(value)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _flatten(v, out)
    elif isinstance(value, State):
        _flatten(value.value, out)
    else:
        out.append(str(value))
    return out


def _resolve_child(owner: GTag, source: Any) -> list[Any]:
    if source.__class__ is State and not owner._flags & F_EXTRA:
        # the common case, kept lean: a State shown as text (the tag observes it)
        source._track_for(owner)
        value = source._value
        if isinstance(value, str):
            return [value]
        if isinstance(value, (int, float)):
            return [str(value)]
    _core.stack_push(None)  # tags built by the lambda are not added to an enclosing tag
    try:
        with tracking(owner._dependent(CONTENT)):
            items = _flatten(source(), [])
    finally:
        _core.stack_pop()
    produced = [i for i in items if isinstance(i, GTag)]
    # kept per reactive child: a tag may have several, each building its own tags
    generated = owner.__dict__.get("_htag_generated")
    previous = generated.get(id(source)) if generated else None
    if produced or previous:
        if generated is None:
            generated = owner.__dict__["_htag_generated"] = {}
            owner._mark(F_EXTRA)
        if produced:
            generated[id(source)] = produced
        else:
            del generated[id(source)]
        for node in produced:
            if node.parent is None:
                node._adopt(owner)
        old = {id(n) for n in previous or ()}
        new = {id(n) for n in produced}
        gone = [n for n in previous or () if id(n) not in new]
        for n in gone:
            if n.parent is owner:
                n._adopt(None)
        app = owner.root
        if app is not None:
            # this runs mid-render under the App's lock: hooks wait until it is done
            engine = app._engine
            engine.defer_hooks(engine.unmount(gone, keep_index=True, built=True), "on_unmount")
            engine.defer_hooks(
                engine.mount([n for n in produced if id(n) not in old], built=True), "on_mount"
            )
    return items


def _resolve_attr(owner: GTag, source: Any) -> Any:
    with tracking(owner._dependent(ATTRS)):
        value = source()
    return value.value if isinstance(value, State) else value


def _slow_init(tag: GTag, args: tuple[Any, ...], kwargs: dict[str, Any] | None) -> None:
    GTag.__init__(tag, *args, **(kwargs or {}))


def _attached(parent: GTag, node: GTag) -> None:
    """A tag built by the Rust constructor joined a live App."""
    engine = parent.root._engine
    with engine.lock:
        engine.content_changed(parent)
        hooks = engine.mount([node])
    engine.run_hooks(hooks, "on_mount")


_core.set_hooks(_resolve_child, _resolve_attr, HTML, _slow_init, _attached, State)
