//! The contract with `htag.state.State` (htag/core/state.py).
//!
//! The renderer shows a `State` child holding a str or a number without calling
//! Python (render/walk.rs, `state_text`). To do so Rust relies on exactly these
//! parts of `State`, and this module is the only place that touches them:
//!
//! - the class, given to `set_hooks` as `state_type`: only objects of exactly
//!   this class take the fast path (a subclass may override reads);
//! - `State._value`: the current value, read without registering an observer, and
//!   replaced by `swap_value` (`State.set`): the read and the write are one step
//!   under the GIL (two C calls, no Python code between them), so two threads
//!   writing at once each see their own transition, without a lock;
//! - `State._dependents`: a dict `id(observer) -> weakref.ref(observer)`;
//!   `track_for(state, node)` stores the node there exactly as
//!   `State._track_for(node)` does (one dict store, without the method call), and
//!   `State.notify` (`notify_observers`, bindings/changes.rs) reads it through
//!   `dependents`.
//!
//! The Python twin of this fast path is `_resolve_child` in htag/core/render_hooks.py (which
//! calls `_track_for`). Renaming any of these in state.py means changing them here.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyWeakrefReference};
use pyo3::{ffi, intern};

use super::get;
use crate::tree::Node;

/// Whether `obj` is exactly an `htag.State`.
pub fn is_state(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    let py = obj.py();
    Ok(obj.get_type().is(get(py)?.state_type.bind(py)))
}

/// `state._value`: the value, without registering anyone as an observer.
pub fn peek_value<'py>(state: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    state.getattr(intern!(state.py(), "_value"))
}

/// `state._track_for(node)`: `node` is told when the value changes (held weakly).
pub fn track_for(state: &Bound<'_, PyAny>, node: &Bound<'_, Node>) -> PyResult<()> {
    let dependents = state.getattr(intern!(state.py(), "_dependents"))?;
    // id(node) in CPython is the object's address
    dependents.set_item(node.as_ptr() as usize, PyWeakrefReference::new(node)?)
}

/// `state._dependents`: `id(observer) -> weakref.ref(observer)`.
pub fn dependents<'py>(state: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
    Ok(state
        .getattr(intern!(state.py(), "_dependents"))?
        .cast_into::<PyDict>()?)
}

/// `state._value = value` (its slot, past `State.__setattr__`); returns the former value.
pub fn swap_value<'py>(
    state: &Bound<'py, PyAny>,
    value: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let old = peek_value(state)?;
    let name = intern!(state.py(), "_value");
    // SAFETY: three live objects; the generic setter stores through the slot's member
    // descriptor, which runs no Python code (State.__setattr__ would)
    let status =
        unsafe { ffi::PyObject_GenericSetAttr(state.as_ptr(), name.as_ptr(), value.as_ptr()) };
    if status != 0 {
        return Err(PyErr::fetch(state.py()));
    }
    Ok(old)
}
