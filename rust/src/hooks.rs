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
}

static HOOKS: PyOnceLock<Hooks> = PyOnceLock::new();

pub fn get(py: Python<'_>) -> PyResult<&'static Hooks> {
    HOOKS
        .get(py)
        .ok_or_else(|| PyRuntimeError::new_err("htag._core hooks are not installed (import htag first)"))
}

pub fn html_type(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    Ok(get(py)?.html_type.bind(py))
}

/// Installs the callbacks; later calls are ignored (the module is process-wide).
#[pyfunction]
pub fn set_hooks(py: Python<'_>, resolve_child: Py<PyAny>, resolve_attr: Py<PyAny>, html_type: Py<PyAny>) {
    let _ = HOOKS.set(py, Hooks { resolve_child, resolve_attr, html_type });
}
