//! The Python functions the renderer calls back: resolving reactive children
//! and attributes (which records State dependencies on the Python side) and the
//! `HTML` string type. Registered once by `htag/tag.py` at import.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

pub struct Hooks {
    pub resolve_child: Py<PyAny>,
    pub resolve_attr: Py<PyAny>,
    pub html_type: Py<PyAny>,
    /// The general Python constructor, for what `_fast_init` does not handle.
    pub slow_init: Py<PyAny>,
    /// `attached(parent, node)`: a node built in a `with` block joined a live App.
    pub attached: Py<PyAny>,
    /// `htag.State`, whose text rendering has a fast path (see render.rs).
    pub state_type: Py<PyAny>,
}

static HOOKS: PyOnceLock<Hooks> = PyOnceLock::new();

pub fn get(py: Python<'_>) -> PyResult<&'static Hooks> {
    HOOKS.get(py).ok_or_else(|| {
        PyRuntimeError::new_err("htag._core hooks are not installed (import htag first)")
    })
}

pub fn html_type(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    Ok(get(py)?.html_type.bind(py))
}

/// Installs the callbacks; later calls are ignored (the module is process-wide).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn set_hooks(
    py: Python<'_>,
    resolve_child: Py<PyAny>,
    resolve_attr: Py<PyAny>,
    html_type: Py<PyAny>,
    slow_init: Py<PyAny>,
    attached: Py<PyAny>,
    state_type: Py<PyAny>,
) {
    let _ = HOOKS.set(
        py,
        Hooks {
            resolve_child,
            resolve_attr,
            html_type,
            slow_init,
            attached,
            state_type,
        },
    );
}
