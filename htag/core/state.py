"""Reactive values: a State remembers who read it and tells them when it changes.

Why: the tag engine re-renders only the tags whose rendering *read* a State
that later changed.  While :func:`tracking` is active on a thread, every read of
a State registers the current observer; every change calls
``observer.state_changed(state)`` on each live observer.

Pure Python, thread-safe, no dependency on the rest of htag.

Why one file over 500 lines: `State`, the proxies it hands out for parts of a
mutable value, and `States` are one mechanism (a proxy reads and writes through
its State, both share the generated operator table); the tracking rules, read in
one place, are what the rest of htag relies on. Rust reads `State._value` and
calls `State._track_for` (see rust/src, the State contract).
"""

from __future__ import annotations

import copy
import functools
import math
import operator
import threading
import weakref
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, time, timedelta
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from pathlib import PurePath
from types import BuiltinFunctionType, FunctionType, MethodType
from typing import Any, Generic, Protocol, TypeVar
from uuid import UUID

from .._core import notify_observers, swap_value

__all__ = ["Observer", "State", "States", "tracking", "untracked"]

T = TypeVar("T")
R = TypeVar("R")


class Observer(Protocol):
    """What may depend on a State: hashable, weakref-able, told about changes."""

    def state_changed(self, state: State[Any]) -> None: ...


# --------------------------------------------------------------------------
# dependency tracking


class _ObserverStack(threading.local):
    """Per-thread stack of current observers; ``None`` suspends recording."""

    def __init__(self) -> None:
        self.items: list[Observer | None] = []


_stack = _ObserverStack()


@contextmanager
def tracking(observer: Observer) -> Iterator[Observer]:
    """Record every State read on this thread as a dependency of ``observer``.

    Nestable: only the innermost observer records.
    """
    _stack.items.append(observer)
    try:
        yield observer
    finally:
        _stack.items.pop()


@contextmanager
def untracked() -> Iterator[None]:
    """Read States without creating dependencies (e.g. inside a write)."""
    _stack.items.append(None)
    try:
        yield
    finally:
        _stack.items.pop()


def _current_observer() -> Observer | None:
    items = _stack.items
    return items[-1] if items else None


# --------------------------------------------------------------------------
# small helpers

_MISSING: Any = object()

# Attribute names a State/proxy keeps for itself, never forwarded to the value.
_INTERNAL = frozenset({"_value", "_lock", "_dependents", "_root", "_obj", "_owner"})

# Values that cannot be mutated in place: handed out as-is, never proxied,
# so ``s[0] == 1`` and ``isinstance(s[0], int)`` just work.
_PLAIN_TYPES: tuple[type, ...] = (
    type(None), bool, int, float, complex, str, bytes, range,
    Decimal, Fraction, Enum, date, time, timedelta, UUID, PurePath,
    type, FunctionType, BuiltinFunctionType, MethodType,
)  # fmt: skip

# Methods of builtin containers that change them (and so must notify).
_LIST_MUTATORS = frozenset({"append", "extend", "insert", "remove", "pop", "clear", "sort", "reverse"})
_DICT_MUTATORS = frozenset({"update", "pop", "popitem", "clear", "setdefault"})
_SET_MUTATORS = frozenset(
    {
        "add", "discard", "remove", "pop", "clear", "update",
        "intersection_update", "difference_update", "symmetric_difference_update",
    }
)  # fmt: skip
_MUTATORS: dict[type, frozenset[str]] = {
    list: _LIST_MUTATORS,
    bytearray: _LIST_MUTATORS,
    deque: _LIST_MUTATORS | {"appendleft", "extendleft", "popleft", "rotate"},
    dict: _DICT_MUTATORS,
    OrderedDict: _DICT_MUTATORS | {"move_to_end"},
    Counter: _DICT_MUTATORS | {"subtract"},
    set: _SET_MUTATORS,
}
# Mutators whose result is still part of the value (``setdefault(k, []).append``).
_MEMBER_RESULTS = frozenset({"setdefault"})


@functools.cache
def _mutators_for(cls: type) -> frozenset[str]:
    """Mutating method names of ``cls`` (via its closest builtin container base)."""
    return next((_MUTATORS[b] for b in cls.__mro__ if b in _MUTATORS), frozenset())


def _is_dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


def _is_own(cls: type, name: str) -> bool:
    """True for names set on the State/proxy itself rather than on its value."""
    return name in _INTERNAL or _is_dunder(name) or hasattr(cls, name)


def _is_plain(obj: object) -> bool:
    """True when ``obj`` can't be mutated, so it needs no proxy."""
    if isinstance(obj, _PLAIN_TYPES):
        return True
    if isinstance(obj, (tuple, frozenset)):
        return all(_is_plain(item) for item in obj)
    return False


# Types whose ``==`` cannot read a State (nor raise): compared without ``untracked()``.
_SIMPLE_EQ = frozenset({int, float, str, bytes, bool, type(None), complex})


def _same(old: object, new: object) -> bool:
    """True when writing ``new`` over ``old`` is no change worth notifying.

    Identical, or same type and ``==`` says exactly ``True``; a raising or
    non-bool comparison (numpy arrays...) counts as a change.  The type check
    keeps ``1`` -> ``True`` or ``1`` -> ``1.0`` visible: they render differently.
    """
    if old is new:
        return True
    cls = type(old)
    if cls is not type(new):
        return False
    if cls in _SIMPLE_EQ:  # the common case: no generator-based context manager (~1.7 us)
        return old == new
    try:
        with untracked():
            equal = old == new
    except Exception:  # noqa: BLE001 - any failing comparison means "changed"
        return False
    return equal is True


def _plain(x: Any) -> Any:
    """The value behind a State/proxy operand (counts as a read), else ``x``."""
    return x._read() if isinstance(x, _Reactive) else x


def _unwrap(x: Any) -> Any:
    """Proxies are never stored: keep the object they stand for."""
    return x._obj if isinstance(x, StateProxy) else x


def _wrap(root: State[Any], obj: Any) -> Any:
    """Hand out ``obj`` (part of ``root``'s value) so mutating it notifies root."""
    return obj if _is_plain(obj) else StateProxy(root, obj)


def _mutator(root: State[Any], method: Callable[..., Any], member_result: bool) -> Callable[..., Any]:
    """Wrap a container's mutating method: run it under root's lock, then notify."""

    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        args = tuple(_unwrap(a) for a in args)
        result = root._write(lambda: (method(*args, **kwargs), True))
        return _wrap(root, result) if member_result else result

    return call


# Method factories: operators all act on the (tracked) target value.


def _unary(fn: Callable[[Any], Any]) -> Callable[[_Reactive], Any]:
    def method(self: _Reactive) -> Any:
        return fn(self._read())

    return method


def _binary(fn: Callable[[Any, Any], Any]) -> Callable[[_Reactive, Any], Any]:
    def method(self: _Reactive, other: Any) -> Any:
        return fn(self._read(), _plain(other))

    return method


def _reflected(fn: Callable[[Any, Any], Any]) -> Callable[[_Reactive, Any], Any]:
    def method(self: _Reactive, other: Any) -> Any:
        return fn(_plain(other), self._read())

    return method


def _inplace(fn: Callable[[Any, Any], Any], dunder: str) -> Callable[[Any, Any], Any]:
    def method(self: _Reactive, other: Any) -> Any:
        return self._apply_inplace(fn, dunder, _plain(other))

    return method


# --------------------------------------------------------------------------
# shared behaviour of State and its proxies


class _Reactive:
    """Behave like the target value; reads track, writes notify the owner State.

    Subclasses say what the target is (``_read``/``_peek``), which State owns
    it (``_owner``) and what an in-place operator does to a target that can't
    change in place (``_rebind``).
    """

    __slots__ = ()

    # ---- hooks
    def _read(self) -> Any:
        """The target, registering the current observer on the owner."""
        raise NotImplementedError

    def _peek(self) -> Any:
        """The target, without registering anything (for writes)."""
        raise NotImplementedError

    @property
    def _owner(self) -> State[Any]:
        raise NotImplementedError

    def _rebind(self, old: Any, new: Any) -> tuple[Any, bool]:
        """Result of ``x op= y`` when ``old`` was not mutated in place."""
        raise NotImplementedError

    # ---- comparisons
    __eq__ = _binary(operator.eq)  # type: ignore[assignment]
    __ne__ = _binary(operator.ne)  # type: ignore[assignment]
    __lt__ = _binary(operator.lt)
    __le__ = _binary(operator.le)
    __gt__ = _binary(operator.gt)
    __ge__ = _binary(operator.ge)

    # ---- arithmetic / bitwise, plain and reflected (``5 + s``)
    __add__, __radd__ = _binary(operator.add), _reflected(operator.add)
    __sub__, __rsub__ = _binary(operator.sub), _reflected(operator.sub)
    __mul__, __rmul__ = _binary(operator.mul), _reflected(operator.mul)
    __matmul__, __rmatmul__ = _binary(operator.matmul), _reflected(operator.matmul)
    __truediv__, __rtruediv__ = _binary(operator.truediv), _reflected(operator.truediv)
    __floordiv__ = _binary(operator.floordiv)
    __rfloordiv__ = _reflected(operator.floordiv)
    __mod__, __rmod__ = _binary(operator.mod), _reflected(operator.mod)
    __divmod__, __rdivmod__ = _binary(divmod), _reflected(divmod)
    __rpow__ = _reflected(operator.pow)
    __lshift__, __rlshift__ = _binary(operator.lshift), _reflected(operator.lshift)
    __rshift__, __rrshift__ = _binary(operator.rshift), _reflected(operator.rshift)
    __and__, __rand__ = _binary(operator.and_), _reflected(operator.and_)
    __xor__, __rxor__ = _binary(operator.xor), _reflected(operator.xor)
    __or__, __ror__ = _binary(operator.or_), _reflected(operator.or_)

    def __pow__(self, other: Any, mod: Any = None) -> Any:
        return pow(self._read(), _plain(other), mod)

    # ---- in-place: mutate the target when it can, else rebind it
    __iadd__ = _inplace(operator.iadd, "__iadd__")
    __isub__ = _inplace(operator.isub, "__isub__")
    __imul__ = _inplace(operator.imul, "__imul__")
    __imatmul__ = _inplace(operator.imatmul, "__imatmul__")
    __itruediv__ = _inplace(operator.itruediv, "__itruediv__")
    __ifloordiv__ = _inplace(operator.ifloordiv, "__ifloordiv__")
    __imod__ = _inplace(operator.imod, "__imod__")
    __ipow__ = _inplace(operator.ipow, "__ipow__")
    __ilshift__ = _inplace(operator.ilshift, "__ilshift__")
    __irshift__ = _inplace(operator.irshift, "__irshift__")
    __iand__ = _inplace(operator.iand, "__iand__")
    __ixor__ = _inplace(operator.ixor, "__ixor__")
    __ior__ = _inplace(operator.ior, "__ior__")

    def _apply_inplace(self, fn: Callable[[Any, Any], Any], dunder: str, other: Any) -> Any:
        """Read-modify-write under the owner's lock (so ``s += 1`` is atomic)."""

        def action() -> tuple[Any, bool]:
            old = self._peek()
            new = fn(old, other)
            if new is old and hasattr(type(old), dunder):
                return self, True  # mutated in place (list +=, set |=...)
            return self._rebind(old, new)

        return self._owner._write(action)

    # ---- unary and conversions
    __neg__ = _unary(operator.neg)
    __pos__ = _unary(operator.pos)
    __invert__ = _unary(operator.invert)
    __abs__ = _unary(abs)
    __bool__ = _unary(bool)
    __int__ = _unary(int)
    __float__ = _unary(float)
    __complex__ = _unary(complex)
    __index__ = _unary(operator.index)
    __bytes__ = _unary(bytes)
    __trunc__ = _unary(math.trunc)
    __floor__ = _unary(math.floor)
    __ceil__ = _unary(math.ceil)
    __str__ = _unary(str)
    __repr__ = _unary(repr)
    __len__ = _unary(len)
    __copy__ = _unary(copy.copy)

    def __round__(self, ndigits: int | None = None) -> Any:
        value = self._read()
        return round(value) if ndigits is None else round(value, ndigits)

    def __format__(self, spec: str) -> str:
        return format(self._read(), spec)

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return copy.deepcopy(self._read(), memo)

    # ---- container protocol: items come back as proxies of the owner
    def __contains__(self, item: object) -> bool:
        return _plain(item) in self._read()

    def __iter__(self) -> Iterator[Any]:
        target, root = self._read(), self._owner
        if isinstance(target, Collection):  # snapshot: safe against writers
            with root._lock:
                target = tuple(target)
        return (_wrap(root, item) for item in target)

    def __reversed__(self) -> Iterator[Any]:
        target, root = self._read(), self._owner
        with root._lock:
            items = tuple(reversed(target))
        return (_wrap(root, item) for item in items)

    def __getitem__(self, key: Any) -> Any:
        item = self._read()[_plain(key)]
        return item if isinstance(key, slice) else _wrap(self._owner, item)

    def __setitem__(self, key: Any, value: Any) -> None:
        target, key, value = self._peek(), _plain(key), _unwrap(value)

        def action() -> tuple[None, bool]:
            try:
                old = target[key]
            except (LookupError, TypeError):
                old = _MISSING
            target[key] = value
            return None, not _same(old, value)

        self._owner._write(action)

    def __delitem__(self, key: Any) -> None:
        target, key = self._peek(), _plain(key)
        self._owner._write(lambda: (operator.delitem(target, key), True))

    # ---- attributes: forwarded to the target
    def __getattr__(self, name: str) -> Any:
        if name in _INTERNAL or _is_dunder(name):
            raise AttributeError(name)
        target, root = self._peek(), self._owner
        if name in _mutators_for(type(target)):  # a write, not a dependency
            return _mutator(root, getattr(target, name), name in _MEMBER_RESULTS)
        root._track()
        attr = getattr(target, name)
        return attr if callable(attr) else _wrap(root, attr)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "value" and type(self) is State:  # the common case: State.value's setter
            self.set(value)
            return
        if _is_own(type(self), name):
            object.__setattr__(self, name, value)
            return
        target, value = self._peek(), _unwrap(value)

        def action() -> tuple[None, bool]:
            old = getattr(target, name, _MISSING)
            setattr(target, name, value)
            return None, not _same(old, value)

        self._owner._write(action)

    def __delattr__(self, name: str) -> None:
        if _is_own(type(self), name):
            object.__delattr__(self, name)
            return
        target = self._peek()
        self._owner._write(lambda: (delattr(target, name), True))

    def __dir__(self) -> list[str]:
        return sorted({*object.__dir__(self), *dir(self._peek())})


# --------------------------------------------------------------------------
# public classes


class State(_Reactive, Generic[T]):
    """A reactive value: what is rendered from it is rendered again when it changes.

        count = State(0)
        Tag.span(count)                                # the span shows the value
        Tag.span(lambda: f"{count.value} clicks")      # a reactive child
        Tag.div(_class=lambda: "big" if count > 9 else "small")   # a reactive attribute
        count.value += 1                               # both are sent again

    Reading `.value` (or using the State: `count + 1`, `str(count)`, `len(items)`,
    `x in items`, iterating...) while a reactive child or attribute renders records that
    it depends on this State; writing `.value`, `count += 1`, `.set(v)`, or a mutating
    method of the wrapped list/dict/set (`items.append(x)`, `d["k"] = v`, even nested:
    `d["a"]["b"] = 1`) notifies them, and the change is sent to the browser: after the
    callback that made it, or at once when it comes from an asyncio task or another
    thread. Read-only methods never notify. `.notify()` forces a notification after
    changing the wrapped object behind the State's back; `.get()` reads the value
    (`value.get(*a)` for dict-likes); `s()` is the value too.

    `State(existing_state)` returns `existing_state`, so an API can wrap whatever it
    gets. `States(a=1, b=[])` groups named States. A State is thread-safe.
    """

    __slots__ = ("__weakref__", "_dependents", "_lock", "_value")
    __hash__ = object.__hash__  # identity: States live in sets/dict keys

    def __new__(cls, value: T | State[T]) -> State[T]:
        if isinstance(value, (State, StateProxy)):  # a proxy: writes still reach its State
            return value  # type: ignore[return-value]
        return super().__new__(cls)

    def __init__(self, value: T) -> None:
        if value is self:  # State(existing): keep it as it is
            return
        object.__setattr__(self, "_value", _unwrap(value))
        object.__setattr__(self, "_lock", threading.RLock())
        # id(observer) -> weak reference: re-registering on every render is one dict
        # store (CPython hands back the observer's existing plain weakref)
        object.__setattr__(self, "_dependents", {})

    # ---- public API
    @property
    def value(self) -> T:
        """The current value (a read: registers the current observer)."""
        return self._read()

    @value.setter
    def value(self, value: T) -> None:
        self.set(value)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        """The value, or ``value.get(*args)`` for dict-likes."""
        value = self._read()
        return value.get(*args, **kwargs) if args or kwargs else value

    def set(self, value: T) -> T:
        """Replace the value; notify unless it is the same (see ``_same``)."""
        if isinstance(value, StateProxy):  # `_unwrap`, inlined (every click of a counter)
            value = value._obj
        # one step under the GIL (Rust): two threads writing at once each see their own
        # transition, so each change is notified by its writer, without a lock
        old = swap_value(self, value)
        if type(old) is type(value) and type(value) in _SIMPLE_EQ:  # `_same`'s usual case
            changed = old is not value and old != value
        else:  # `s.value = s.value` after an in-place change: htag 2's way to say "it changed"
            changed = not _same(old, value) or (value is old and not _is_plain(value))
        if changed:
            self.notify()
        return value

    def notify(self) -> None:
        """Tell every live dependent that the value changed (e.g. after an
        out-of-band mutation).  Called outside the lock, on a snapshot, so
        observers may (un)register while being notified; each is told even if
        another raises (the first error is raised after). In Rust: a tag is
        marked changed without a Python call."""
        notify_observers(self)

    def unobserve(self, observer: Observer) -> None:
        """Forget ``observer`` (e.g. before it re-renders and re-registers)."""
        with self._lock:
            self._dependents.pop(id(observer), None)

    def __call__(self) -> T:
        """``s()`` is ``s.value``: handy in lambdas."""
        return self._read()

    # ---- hooks for _Reactive
    def _track_for(self, observer: Observer) -> None:
        """Registers ``observer`` directly: the renderer's fast path for a State child."""
        self._dependents[id(observer)] = weakref.ref(observer)  # one atomic store

    def _track(self) -> None:
        observer = _current_observer()
        if observer is not None:
            self._dependents[id(observer)] = weakref.ref(observer)

    def _read(self) -> T:
        items = _stack.items  # `_track`, inlined: every read of a value comes this way
        if items and (observer := items[-1]) is not None:
            self._dependents[id(observer)] = weakref.ref(observer)
        return self._value

    def _peek(self) -> T:
        return self._value

    @property
    def _owner(self) -> State[Any]:
        return self

    def _rebind(self, old: Any, new: Any) -> tuple[Any, bool]:
        self._value = new
        return self, not _same(old, new)

    def _write(self, action: Callable[[], tuple[R, bool]]) -> R:
        """Run ``action`` under the lock; notify afterwards, outside it."""
        with self._lock:
            result, changed = action()
        if changed:
            self.notify()
        return result


class StateProxy(_Reactive):
    """A live view of an object nested in a State's value.

    Reads register on the root State and mutations notify it, so
    ``s["a"]["b"] = 1`` or ``for u in s: u.name = "x"`` re-render.
    ``isinstance(proxy, list)`` holds (``__class__`` reports the target's).
    """

    __slots__ = ("_obj", "_root")

    def __init__(self, root: State[Any], obj: Any) -> None:
        object.__setattr__(self, "_root", root)
        object.__setattr__(self, "_obj", obj)

    @property  # type: ignore[misc]
    def __class__(self) -> type:  # isinstance(proxy, list) support
        return type(self._obj)

    def __hash__(self) -> int:
        return hash(self._read())

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Calls a callable target; otherwise (as htag 2) ``proxy()`` is its value, so
        a proxy renders as a reactive child or attribute."""
        target = self._read()
        if not args and not kwargs and not callable(target):
            return target
        return target(*args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        """The target (htag 2's ``proxy.get()``), or ``target.get(*args)`` for dict-likes."""
        target = self._read()
        return target.get(*args, **kwargs) if args or kwargs else target

    def _read(self) -> Any:
        self._root._track()
        return self._obj

    def _peek(self) -> Any:
        return self._obj

    @property
    def _owner(self) -> State[Any]:
        return self._root

    def _rebind(self, old: Any, new: Any) -> tuple[Any, bool]:
        # Can't rebind inside the container: return the new value, Python
        # then stores it with container[key] = new, which notifies.
        return new, False


class States:
    """A namespace of named States: ``s.a`` is the State (reactive when
    rendered), ``s.a = 5`` / ``s.a += 1`` change it, and typos raise."""

    __slots__ = ("_states",)

    def __init__(self, **values: Any) -> None:
        object.__setattr__(self, "_states", {})
        self.load(values)

    def __getattr__(self, name: str) -> State[Any]:
        if not name.startswith("_"):
            try:
                return self._states[name]
            except KeyError:
                pass
        raise AttributeError(f"{type(self).__name__} has no state {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        state = self._states.get(name)
        if state is None:
            raise AttributeError(f"{type(self).__name__} has no state {name!r} (declare it or load())")
        if value is not state:  # ``s.a += 1`` hands back the same State
            state.set(_plain(value))

    def dump(self) -> dict[str, Any]:
        """Plain ``{name: value}`` (e.g. to persist or serialize)."""
        return {name: state.value for name, state in self._states.items()}

    def load(self, data: Mapping[str, Any]) -> None:
        """Set the given values, adding States for names not seen before."""
        for name, value in data.items():
            state = self._states.get(name)
            if state is None:
                if name.startswith("_") or hasattr(type(self), name):
                    raise ValueError(f"reserved state name {name!r}")
                self._states[name] = State(value)
            elif value is not state:
                state.set(_plain(value))

    def __contains__(self, name: object) -> bool:
        return name in self._states

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._states))

    def __len__(self) -> int:
        return len(self._states)

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={s._peek()!r}" for k, s in self._states.items())
        return f"{type(self).__name__}({fields})"
