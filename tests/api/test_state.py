"""Behaviour of htag.state: reactive values, dependency tracking, proxies, States.

Why one file over 500 lines: it is the specification of one module, htag/core/state.py,
section by section (tracking, notification, values, proxies, containers), each under a
`# ---` banner; the tests share its recorders and fixtures.
"""

from __future__ import annotations

import copy
import gc
import math
import operator
import sys
import threading
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from htag.state import State, States, tracking, untracked


class Recorder:
    """Tiny observer: remembers every state_changed() call."""

    def __init__(self) -> None:
        self.calls: list[State[Any]] = []

    def state_changed(self, state: State[Any]) -> None:
        self.calls.append(state)


def dependents_of(state: State[Any], *observers: Recorder) -> list[Recorder]:
    """Which of ``observers`` are registered on ``state`` (forced notification)."""
    for obs in observers:
        obs.calls.clear()
    state.notify()
    return [obs for obs in observers if obs.calls == [state]]


def watched(value: Any) -> tuple[State[Any], Recorder]:
    """A State with a Recorder registered on it (via a tracked read)."""
    state, rec = State(value), Recorder()
    with tracking(rec):
        _ = state.value
    return state, rec


def run_in_threads(*works: Callable[[], None], switch_interval: float | None = None) -> None:
    """Runs each of `works` in a thread of its own and waits for them all; with
    `switch_interval`, the interpreter switches threads that often meanwhile (1e-6: preemption
    in the middle of what they do)."""
    before = sys.getswitchinterval()
    if switch_interval is not None:
        sys.setswitchinterval(switch_interval)
    try:
        threads = [threading.Thread(target=work) for work in works]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(before)


class User:
    def __init__(self, name: str) -> None:
        self.name = name
        self.tags: list[str] = []

    def rename(self, name: str) -> None:
        self.name = name


# --------------------------------------------------------------------------
# tracking


READS: dict[str, Callable[[State[Any]], Any]] = {
    ".value": lambda s: s.value,
    ".get()": lambda s: s.get(),
    "call": lambda s: s(),
    "==": lambda s: s == 1,
    "<": lambda s: s < 1,
    "+": lambda s: s + 1,
    "reflected +": lambda s: 1 + s,
    "unary -": lambda s: -s,
    "str": str,
    "repr": repr,
    "format": lambda s: f"{s:>3}",
    "bool": bool,
    "int": int,
    "float": float,
    "complex": complex,
    "index": lambda s: [0, 1, 2][s],
    "round": round,
    "floor": math.floor,
    "getattr": lambda s: s.real,
    "copy": copy.copy,
}

CONTAINER_READS: dict[str, Callable[[State[Any]], Any]] = {
    "len": len,
    "iter": list,
    "reversed": lambda s: list(reversed(s)),
    "indexing": lambda s: s[0],
    "in": lambda s: 1 in s,
    "method": lambda s: s.count(1),
    "nested proxy read": lambda s: s[1][0],
}


@pytest.mark.parametrize("read", READS.values(), ids=READS.keys())
def test_each_kind_of_read_registers_the_observer(read: Callable[[State[Any]], Any]) -> None:
    s, rec = State(1), Recorder()
    with tracking(rec):
        read(s)
    assert dependents_of(s, rec) == [rec]


@pytest.mark.parametrize("read", CONTAINER_READS.values(), ids=CONTAINER_READS.keys())
def test_each_kind_of_container_read_registers_the_observer(read: Callable[[State[Any]], Any]) -> None:
    s, rec = State([1, [2]]), Recorder()
    with tracking(rec):
        read(s)
    assert dependents_of(s, rec) == [rec]


def test_reads_outside_tracking_register_nothing() -> None:
    s, rec = State(1), Recorder()
    _ = (s.value, str(s), s + 1)
    s.value = 2
    assert rec.calls == []
    with tracking(rec):
        pass
    assert dependents_of(s, rec) == []


def test_writes_and_identity_hash_do_not_register() -> None:
    s, rec = State(1), Recorder()
    with tracking(rec):
        s.value = 2
        s.set(3)
        s += 1
        hash(s)
        {s: "key"}  # noqa: B018
    assert dependents_of(s, rec) == []


def test_mutating_calls_do_not_register() -> None:
    s, rec = State([1]), Recorder()
    with tracking(rec):
        s.append(2)
        s[0] = 5
        del s[0]
    assert s.value == [2]
    assert dependents_of(s, rec) == []


def test_only_innermost_tracking_records() -> None:
    a, b = State(1), State(2)
    outer, inner = Recorder(), Recorder()
    with tracking(outer):
        _ = a.value
        with tracking(inner):
            _ = b.value
        _ = a.value  # outer is current again once inner exits
    assert dependents_of(a, outer, inner) == [outer]
    assert dependents_of(b, outer, inner) == [inner]


def test_untracked_suspends_recording() -> None:
    a, b = State(1), State(2)
    rec = Recorder()
    with tracking(rec):
        with untracked():
            _ = a.value
        _ = b.value
    assert dependents_of(a, rec) == []
    assert dependents_of(b, rec) == [rec]


def test_tracking_is_per_thread() -> None:
    s, rec = State(1), Recorder()
    entered, done = threading.Event(), threading.Event()

    def other_thread() -> None:
        entered.wait()
        _ = s.value  # read while the main thread is tracking
        done.set()

    thread = threading.Thread(target=other_thread)
    thread.start()
    with tracking(rec):
        entered.set()
        done.wait(5)
    thread.join()
    assert dependents_of(s, rec) == []


def test_tracking_stack_is_restored_after_an_exception() -> None:
    s, rec = State(1), Recorder()
    with pytest.raises(ZeroDivisionError), tracking(rec):
        1 / 0  # noqa: B018
    _ = s.value
    assert dependents_of(s, rec) == []


def test_change_notifies_each_dependent_once_with_the_state() -> None:
    s = State(1)
    a, b, stranger = Recorder(), Recorder(), Recorder()
    for obs in (a, b):
        with tracking(obs):
            _ = s.value
            _ = s.value  # a second read must not double-register
    s.value = 2
    assert a.calls == [s]
    assert b.calls == [s]
    assert stranger.calls == []


def test_dependents_are_held_weakly() -> None:
    calls: list[State[Any]] = []

    class Forgetful:
        def state_changed(self, state: State[Any]) -> None:
            calls.append(state)

    s = State(1)
    obs = Forgetful()
    with tracking(obs):
        _ = s.value
    s.value = 2
    assert calls == [s]
    del obs
    gc.collect()
    s.value = 3
    assert calls == [s]


def test_unobserve_drops_a_dependent() -> None:
    s, rec = watched(1)
    s.unobserve(rec)
    s.value = 2
    assert rec.calls == []


def test_notification_happens_outside_the_lock() -> None:
    s = State(1)
    finished: list[bool] = []

    class WritesFromAnotherThread:
        def state_changed(self, state: State[Any]) -> None:
            writer = threading.Thread(target=state.set, args=(99,))
            writer.start()
            writer.join(2)  # would block if the lock were still held
            finished.append(not writer.is_alive())

    obs = WritesFromAnotherThread()
    with tracking(obs):
        _ = s.value
    s.unobserve(obs)
    s.notify()  # not registered any more: nothing happens
    with tracking(obs):
        _ = s.value
    s.value = 2
    assert finished[0] is True
    assert s.value == 99


def test_observers_may_register_and_unregister_during_notification() -> None:
    s = State(1)
    late = Recorder()

    class Rerenders(Recorder):
        def state_changed(self, state: State[Any]) -> None:
            super().state_changed(state)
            state.unobserve(self)
            with tracking(self):  # re-render: registers again
                _ = state.value
            with tracking(late):
                _ = state.value

    first = Rerenders()
    with tracking(first):
        _ = s.value
    s.value = 2
    assert first.calls == [s]
    assert late.calls == []  # registered during the round: not in its snapshot
    s.value = 3
    assert first.calls == [s, s]
    assert late.calls == [s]


def test_a_failing_observer_does_not_starve_the_others() -> None:
    class Broken:
        def state_changed(self, state: State[Any]) -> None:
            raise RuntimeError("boom")

    s, rec = watched(1)
    broken = Broken()
    with tracking(broken):
        _ = s.value
    with pytest.raises(RuntimeError, match="boom"):
        s.value = 2
    assert rec.calls == [s]
    assert s.value == 2


def test_concurrent_writes_each_notify_their_own_change() -> None:
    s = State(-1)
    seen: list[Any] = []

    class Peeks:
        def state_changed(self, state: State[Any]) -> None:
            seen.append(state._value)

    observer = Peeks()
    with tracking(observer):
        _ = s.value

    def writer(first: int) -> Callable[[], None]:
        def work() -> None:
            for i in range(500):
                s.value = first + i  # every value distinct: every write is a change

        return work

    run_in_threads(*(writer(t * 1000) for t in range(8)), switch_interval=1e-6)  # preempted between writes
    assert len(seen) == 8 * 500  # no write lost its notification, none was told twice
    assert seen[-1] == s.value  # the last notification came after the last write


# --------------------------------------------------------------------------
# State basics


def test_state_of_a_state_is_the_same_object_and_is_not_reset() -> None:
    s, rec = watched([1])
    again = State(s)
    assert again is s
    assert s.value == [1]
    s.append(2)  # dependents survived the second __init__
    assert rec.calls == [s]


def test_generic_subscription() -> None:
    s = State[int](3)
    assert type(s) is State
    assert s + 1 == 4


def test_value_get_set_notify() -> None:
    s, rec = watched({"a": 1})
    assert s.value == {"a": 1}
    assert s.get() == {"a": 1}
    assert s.get("a") == 1
    assert s.get("zz", 7) == 7
    assert rec.calls == []
    assert s.set({"b": 2}) == {"b": 2}
    assert s.value == {"b": 2}
    assert rec.calls == [s]
    s.notify()
    assert rec.calls == [s, s]


def test_equal_writes_do_not_notify() -> None:
    s, rec = watched([1, 2])
    s.value = [1, 2]
    s.set([1, 2])
    n = State(5)
    n.value = 5
    assert rec.calls == []
    s.value = [1, 2, 3]
    assert rec.calls == [s]


def test_writing_back_the_same_mutable_object_notifies() -> None:
    # htag 2's way to say "changed in place": `s.value = s.value` (see tests/compat)
    shared = [1, 2]
    s, rec = watched(shared)
    shared.append(3)
    s.value = shared
    assert rec.calls == [s]


def test_equal_value_of_another_type_notifies() -> None:
    # 1 == 1.0 == True, but they render differently
    s, rec = watched(1)
    s.value = 1.0
    s.value = True
    assert rec.calls == [s, s]


def test_unusable_equality_counts_as_a_change() -> None:
    class Raising:
        def __eq__(self, other: object) -> bool:
            raise ValueError("no")

        __hash__ = object.__hash__

    class NonBool:
        def __eq__(self, other: object) -> Any:
            return "yes"

        __hash__ = object.__hash__

    for cls in (Raising, NonBool):
        s, rec = watched(cls())
        s.value = cls()
        assert rec.calls == [s]


@given(
    st.recursive(st.none() | st.integers() | st.text(), lambda c: st.lists(c) | st.dictionaries(st.text(), c))
)
def test_writing_an_equal_copy_never_notifies(value: Any) -> None:
    s, rec = watched(value)
    s.value = copy.deepcopy(value)
    assert rec.calls == []
    s.value = [value]
    assert rec.calls == [s]


# --------------------------------------------------------------------------
# operators


BINARY = [operator.add, operator.sub, operator.mul, operator.floordiv, operator.mod, operator.truediv]
BINARY += [operator.and_, operator.or_, operator.xor, divmod, operator.lt, operator.le, operator.eq]
BINARY += [operator.ne, operator.gt, operator.ge]


@given(st.integers(-1000, 1000), st.integers(1, 1000), st.sampled_from(BINARY))
def test_binary_operators_act_on_the_value_both_ways(a: int, b: int, op: Callable[[Any, Any], Any]) -> None:
    assert op(State(a), b) == op(a, b)
    assert op(a, State(b)) == op(a, b)  # reflected
    assert op(State(a), State(b)) == op(a, b)


def test_reflected_operators() -> None:
    assert 5 + State(1) == 6
    assert 10 - State(3) == 7
    assert 2 ** State(3) == 8
    assert 7 // State(2) == 3
    assert 7 % State(4) == 3
    assert 1 << State(3) == 8
    assert "a" + State("b") == "ab"
    assert [0] * State(2) == [0, 0]
    assert 5 > State(1)


def test_power_shift_and_matmul() -> None:
    class Matrix:
        def __matmul__(self, other: object) -> str:
            return "mat"

        def __rmatmul__(self, other: object) -> str:
            return "rmat"

    assert State(2) ** 10 == 1024
    assert pow(State(2), 10, 1000) == 24
    assert State(1) << 4 == 16
    assert State(16) >> 2 == 4
    assert State(Matrix()) @ 1 == "mat"
    assert 1 @ State(Matrix()) == "rmat"


def test_unary_rounding_and_conversions() -> None:
    assert -State(3) == -3
    assert +State(-3) == -3
    assert ~State(0) == -1
    assert abs(State(-4)) == 4
    assert round(State(2.567), 1) == 2.6
    assert round(State(2.6)) == 3
    assert isinstance(round(State(2.6)), int)
    assert math.floor(State(2.5)) == 2
    assert math.ceil(State(2.1)) == 3
    assert math.trunc(State(-2.7)) == -2
    assert bool(State(0)) is False
    assert bool(State([1])) is True
    assert int(State("42")) == 42
    assert float(State("1.5")) == 1.5
    assert complex(State(1)) == 1 + 0j
    assert ["a", "b"][State(1)] == "b"
    assert bytes(State([65, 66])) == b"AB"


def test_format_str_repr() -> None:
    s = State(42)
    assert f"{s:>5}" == "   42"
    assert f"{State(3.14159):.2f}" == "3.14"
    assert f"{s}" == "42"
    assert str(State("x")) == "x"
    assert repr(State("x")) == "'x'"
    assert repr(State([1])) == "[1]"


def test_containers_len_in_iter_reversed() -> None:
    s = State([1, 2, 3])
    assert len(s) == 3
    assert 2 in s
    assert 9 not in s
    assert list(s) == [1, 2, 3]
    assert list(reversed(s)) == [3, 2, 1]
    assert State({"k": 1})["k"] == 1
    assert list(State({"a": 1, "b": 2})) == ["a", "b"]


def test_state_is_hashable_by_identity() -> None:
    a, b = State(1), State(1)
    assert a == b  # values compare...
    assert hash(a) != hash(b) or a is b  # ...but identity hashes
    assert len({a, b}) == 2
    assert {a: "x"}[a] == "x"


def test_call_returns_the_value() -> None:
    s = State([1])
    assert s() is s.value


def test_copy_and_deepcopy_return_plain_copies_of_the_value() -> None:
    inner = [1]
    s = State({"a": inner})
    shallow, deep = copy.copy(s), copy.deepcopy(s)
    assert type(shallow) is dict
    assert type(deep) is dict
    assert shallow == deep == {"a": [1]}
    assert shallow is not s.value
    assert shallow["a"] is inner
    assert deep["a"] is not inner


def test_getattr_delegates_to_the_value() -> None:
    s = State(User("bob"))
    assert s.name == "bob"
    assert State("abc").upper() == "ABC"
    assert State(3 + 4j).imag == 4
    with pytest.raises(AttributeError):
        s.nope  # noqa: B018
    assert "rename" in dir(s)


# --------------------------------------------------------------------------
# in-place operators


def test_inplace_on_immutable_rebinds_notifies_and_returns_the_state() -> None:
    s, rec = watched(1)
    original = s
    s += 2
    assert s is original
    assert s.value == 3
    s -= 1
    s *= 10
    s //= 3
    s %= 4
    s **= 2
    s <<= 1
    s |= 1
    assert s.value == 9
    assert len(rec.calls) == 8


def test_inplace_that_changes_nothing_does_not_notify() -> None:
    s, rec = watched(5)
    s += 0
    s *= 1
    assert rec.calls == []


def test_inplace_on_mutables_mutates_and_notifies() -> None:
    items = [1]
    s, rec = watched(items)
    s += [2]
    assert s.value is items
    assert items == [1, 2]
    assert rec.calls == [s]
    tags, rec2 = watched({"a"})
    tags |= {"b"}
    assert tags.value == {"a", "b"}
    assert rec2.calls == [tags]


def test_inplace_on_str_and_tuple() -> None:
    s, rec = watched("ab")
    s += "c"
    assert s.value == "abc"
    t, rec2 = watched((1,))
    t += (2,)
    assert t.value == (1, 2)
    assert rec.calls == [s]
    assert rec2.calls == [t]


def test_concurrent_inplace_increments_are_atomic() -> None:
    s = State(0)

    def work() -> None:
        nonlocal s
        for _ in range(1000):
            s += 1

    run_in_threads(*[work] * 8, switch_interval=1e-6)  # preempted inside the read-modify-write
    assert s.value == 8000


class SlowInt(int):
    """An int whose ``+`` yields the GIL mid read-modify-write (widens any race)."""

    def __add__(self, other: int) -> SlowInt:
        time.sleep(0)
        return SlowInt(int(self) + other)


def test_inplace_holds_the_lock_across_read_modify_write() -> None:
    s = State(SlowInt(0))

    def work() -> None:
        nonlocal s
        for _ in range(200):
            s += 1

    run_in_threads(*[work] * 8)
    assert s.value == 1600


# --------------------------------------------------------------------------
# mutating vs read-only methods


MUTATIONS: list[tuple[Any, Callable[[State[Any]], Any]]] = [
    ([3, 1], lambda s: s.append(2)),
    ([3, 1], lambda s: s.extend([2])),
    ([3, 1], lambda s: s.insert(0, 2)),
    ([3, 1], lambda s: s.remove(1)),
    ([3, 1], lambda s: s.pop()),
    ([3, 1], lambda s: s.clear()),
    ([3, 1], lambda s: s.sort()),
    ([3, 1], lambda s: s.reverse()),
    ({"a": 1}, lambda s: s.update(b=2)),
    ({"a": 1}, lambda s: s.pop("a")),
    ({"a": 1}, lambda s: s.popitem()),
    ({"a": 1}, lambda s: s.clear()),
    ({"a": 1}, lambda s: s.setdefault("b", 2)),
    ({1, 2}, lambda s: s.add(3)),
    ({1, 2}, lambda s: s.discard(1)),
    ({1, 2}, lambda s: s.remove(1)),
    ({1, 2}, lambda s: s.pop()),
    ({1, 2}, lambda s: s.clear()),
    ({1, 2}, lambda s: s.update({3})),
    ({1, 2}, lambda s: s.intersection_update({1})),
    ({1, 2}, lambda s: s.difference_update({1})),
    ({1, 2}, lambda s: s.symmetric_difference_update({1, 5})),
    (bytearray(b"ab"), lambda s: s.append(99)),
    (bytearray(b"ab"), lambda s: s.extend(b"c")),
    (deque([1]), lambda s: s.appendleft(0)),
    (deque([1]), lambda s: s.popleft()),
    (deque([1, 2]), lambda s: s.rotate()),
    (deque([1]), lambda s: s.extendleft([0])),
    (OrderedDict(a=1, b=2), lambda s: s.move_to_end("a")),
    (Counter("aab"), lambda s: s.subtract("a")),
    ([1], lambda s: s.__setitem__(0, 2)),
    ({"a": 1}, lambda s: s.__delitem__("a")),
]


@pytest.mark.parametrize(("value", "mutate"), MUTATIONS)
def test_mutating_methods_notify(value: Any, mutate: Callable[[State[Any]], Any]) -> None:
    s, rec = watched(value)
    mutate(s)
    assert rec.calls == [s]


def test_mutating_methods_change_the_value_and_return_its_result() -> None:
    s = State([3, 1, 2])
    assert s.pop() == 2
    s.sort()
    assert s.value == [1, 3]
    d = State({"a": 1})
    assert d.pop("a") == 1
    assert d.value == {}


READ_ONLY: list[tuple[Any, Callable[[State[Any]], Any]]] = [
    ({"a": 1}, lambda s: s.keys()),
    ({"a": 1}, lambda s: s.items()),
    ({"a": 1}, lambda s: s.values()),
    ({"a": 1}, lambda s: s.get("a")),
    ({"a": 1}, lambda s: s.copy()),
    ({"a": 1}, lambda s: "a" in s),
    ({"a": 1}, lambda s: s["a"]),
    ([1, 2], lambda s: s.count(1)),
    ([1, 2], lambda s: s.index(2)),
    ([1, 2], lambda s: s.copy()),
    ([1, 2], lambda s: s[0:1]),
    ({1}, lambda s: s.union({2})),
    ({1}, lambda s: s.issubset({1, 2})),
    ("abc", lambda s: s.upper()),
]


@pytest.mark.parametrize(("value", "read"), READ_ONLY)
def test_read_only_methods_do_not_notify_but_do_register(
    value: Any, read: Callable[[State[Any]], Any]
) -> None:
    s, rec = State(value), Recorder()
    before = copy.deepcopy(value)
    with tracking(rec):
        read(s)
    assert rec.calls == []
    assert s.value == before
    assert dependents_of(s, rec) == [rec]


def test_reading_keys_in_a_render_does_not_loop() -> None:
    renders: list[list[str]] = []

    class Renderer:
        def state_changed(self, state: State[Any]) -> None:
            self.render()

        def render(self) -> None:
            with tracking(self):
                renders.append(list(s.keys()))

    s = State({"a": 1})
    renderer = Renderer()
    renderer.render()
    s["b"] = 2
    assert renders == [["a"], ["a", "b"]]


def test_user_object_methods_do_not_notify_but_attribute_writes_do() -> None:
    s, rec = watched(User("bob"))
    s.rename("ann")  # arbitrary method: cannot know it mutates
    assert s.name == "ann"
    assert rec.calls == []
    s.name = "zoe"
    assert s.value.name == "zoe"
    assert rec.calls == [s]
    s.name = "zoe"  # equal write
    assert rec.calls == [s]
    s.extra = 1
    del s.extra
    assert not hasattr(s.value, "extra")
    assert rec.calls == [s, s, s]


# --------------------------------------------------------------------------
# proxies


def test_item_assignment_and_deletion_notify() -> None:
    s, rec = watched({"a": 1})
    s["k"] = "v"
    assert s.value == {"a": 1, "k": "v"}
    del s["a"]
    assert s.value == {"k": "v"}
    s["k"] = "v"  # equal: silent
    assert rec.calls == [s, s]


def test_nested_item_assignment_notifies_the_root() -> None:
    s, rec = watched({"a": {"b": 0}})
    s["a"]["b"] = 1
    assert s.value == {"a": {"b": 1}}
    assert rec.calls == [s]


def test_proxies_three_levels_deep() -> None:
    s, rec = watched({"a": [{"b": [1]}]})
    level3 = s["a"][0]["b"]
    assert level3 == [1]
    level3.append(2)
    s["a"][0]["b"][0] = 10
    s["a"][0]["c"] = {"d": 1}
    s["a"][0]["c"]["d"] += 1
    del s["a"][0]["b"][1]
    assert s.value == {"a": [{"b": [10], "c": {"d": 2}}]}
    assert len(rec.calls) == 5
    assert all(call is s for call in rec.calls)


def test_nested_mutating_methods_notify_root() -> None:
    s, rec = watched([[1], {"x": set()}])
    s[0].append(3)
    s[1]["x"].add("y")
    s[1].setdefault("z", []).append(1)  # setdefault hands back a live view
    assert s.value == [[1, 3], {"x": {"y"}, "z": [1]}]
    assert len(rec.calls) == 4


def test_nested_inplace_on_a_list_notifies_once() -> None:
    s, rec = watched([[1]])
    s[0] += [2]
    assert s.value == [[1, 2]]
    assert rec.calls == [s]


def test_iteration_yields_proxies_of_mutable_items() -> None:
    s, rec = watched([User("a"), User("b")])
    for user in s:
        user.name = "x"
    assert [u.name for u in s.value] == ["x", "x"]
    assert rec.calls == [s, s]
    for user in s:
        user.tags.append("t")
    assert s.value[0].tags == ["t"]
    assert len(rec.calls) == 4


def test_immutable_items_are_plain_values() -> None:
    s = State([1, "a", 1.5, None, True, (1, "x"), b"b"])
    assert [type(x) for x in s] == [int, str, float, type(None), bool, tuple, bytes]
    assert isinstance(s[0], int)
    assert s[0] == 1
    assert State({"a": 1})["a"] + 1 == 2
    assert type(State({"a": (1, 2)})["a"]) is tuple


def test_nested_proxy_behaves_like_its_container() -> None:
    s = State({"l": [1, 2, [3]], "d": {"k": "v"}})
    items, mapping = s["l"], s["d"]
    assert isinstance(items, list)
    assert isinstance(mapping, dict)
    assert len(items) == 3
    assert list(items)[:2] == [1, 2]
    assert items == [1, 2, [3]]
    assert [1, 2, [3]] == items
    assert repr(items) == "[1, 2, [3]]"
    assert str(mapping) == "{'k': 'v'}"
    assert items[2] == [3]
    assert 2 in items
    assert mapping.get("k") == "v"
    assert list(mapping.items()) == [("k", "v")]
    assert copy.deepcopy(items) == [1, 2, [3]]
    assert type(copy.deepcopy(items)) is list


def test_reading_through_a_proxy_registers_the_root() -> None:
    s = State({"a": {"b": 1}})
    inner, rec = s["a"], Recorder()
    with tracking(rec):
        inner["b"]
    assert dependents_of(s, rec) == [rec]


def test_stored_proxies_are_unwrapped() -> None:
    s = State({"a": [1]})
    other = State(None)
    other.value = s["a"]
    assert type(other.value) is list
    assert other.value is s.value["a"]
    s["b"] = s["a"]
    assert type(s.value["b"]) is list


# --------------------------------------------------------------------------
# States


def test_states_attribute_is_the_state() -> None:
    s = States(a=1, b="x")
    assert isinstance(s.a, State)
    assert s.a is s.a
    assert s.a == 1
    rec = Recorder()
    with tracking(rec):
        str(s.a)
    s.a = 5
    assert rec.calls == [s.a]
    assert s.a.value == 5


def test_states_inplace_keeps_the_same_state() -> None:
    s = States(a=1)
    before = s.a
    s.a += 1
    assert s.a is before
    assert s.a.value == 2


def test_states_assigning_another_state_copies_its_value() -> None:
    s = States(a=1)
    s.a = State(7)
    assert isinstance(s.a, State)
    assert s.a.value == 7


def test_states_undeclared_names_raise_attribute_error() -> None:
    s = States(a=1)
    with pytest.raises(AttributeError, match="'zz'"):
        s.zz = 1
    with pytest.raises(AttributeError, match="'zz'"):
        s.zz  # noqa: B018
    assert "zz" not in s


def test_states_dump_load_contains_iter_repr() -> None:
    s = States(a=1, b=[2])
    assert s.dump() == {"a": 1, "b": [2]}
    assert type(s.dump()["a"]) is int
    a = s.a
    s.load({"a": 10, "c": "new"})
    assert s.a is a
    assert s.a.value == 10
    assert isinstance(s.c, State)
    assert s.dump() == {"a": 10, "b": [2], "c": "new"}
    assert "c" in s
    assert "zz" not in s
    assert list(s) == ["a", "b", "c"]
    assert len(s) == 3
    assert repr(s) == "States(a=10, b=[2], c='new')"


def test_states_reject_reserved_names() -> None:
    with pytest.raises(ValueError, match="dump"):
        States(dump=1)
    with pytest.raises(ValueError, match="_x"):
        States().load({"_x": 1})


def test_states_accept_existing_states() -> None:
    shared = State(3)
    s = States(a=shared)
    assert s.a is shared
