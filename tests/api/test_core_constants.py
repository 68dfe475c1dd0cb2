"""The node flags and form-control names are defined once, in Rust (rust/src/tree/flags.rs),
and exported by `htag._core`: Python imports them instead of copying the numbers."""

from __future__ import annotations

from htag import Tag, _core

FLAGS = ["F_APP", "F_BUILDING", "F_HOOKS", "F_STATICS", "F_EVENTS", "F_LAMBDA", "F_EXTRA", "F_FORM"]
FLAGS += ["F_PLAIN", "F_ATTRS"]


def test_flags_are_distinct_bits():
    values = [getattr(_core, name) for name in FLAGS]
    assert all(isinstance(v, int) and v > 0 and v & (v - 1) == 0 for v in values)
    assert len(set(values)) == len(values)
    mounted = ("F_HOOKS", "F_STATICS", "F_EVENTS", "F_LAMBDA", "F_EXTRA", "F_FORM")
    mask = 0
    for name in mounted:
        mask |= getattr(_core, name)
    assert _core.F_MOUNT_MASK == mask


def test_form_controls_are_marked_at_creation():
    assert _core.FORM_CONTROLS == frozenset({"input", "textarea", "select"})
    for name in _core.FORM_CONTROLS:
        assert getattr(Tag, name)()._flags & _core.F_FORM
    assert not Tag.div()._flags & _core.F_FORM
    assert Tag.td("x")._flags & _core.F_PLAIN
