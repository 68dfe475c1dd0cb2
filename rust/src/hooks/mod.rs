//! What Rust uses of the Python side: the callbacks registered once by
//! htag/core/render_hooks.py at import (`set_hooks`, bindings/functions.rs), and the
//! `State` contract (`state_contract`), the only place that touches `State`
//! internals.

pub mod state_contract;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

pub struct Hooks {
    /// `_resolve_child(node, source) -> list`: a reactive child's items.
    pub resolve_child: Py<PyAny>,
    /// `_resolve_attr(node, source)`: a reactive attribute's value.
    pub resolve_attr: Py<PyAny>,
    /// `htag.HTML`, the str subclass rendered verbatim.
    pub html_type: Py<PyAny>,
    /// The general Python constructor, for what `_fast_init` does not handle.
    pub slow_init: Py<PyAny>,
    /// `attached(parent, node)`: a node built in a `with` block joined a live App.
    pub attached: Py<PyAny>,
    /// `htag.State` (see `state_contract`).
    pub state_type: Py<PyAny>,
}

static HOOKS: PyOnceLock<Hooks> = PyOnceLock::new();

/// Installs the callbacks; later calls are ignored (the module is process-wide).
pub fn install(py: Python<'_>, hooks: Hooks) {
    let _ = HOOKS.set(py, hooks);
}

pub fn get(py: Python<'_>) -> PyResult<&'static Hooks> {
    HOOKS.get(py).ok_or_else(|| {
        PyRuntimeError::new_err("htag._core hooks are not installed (import htag first)")
    })
}

pub fn html_type(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    Ok(get(py)?.html_type.bind(py))
}
