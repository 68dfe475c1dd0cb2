//! The module-level functions of `htag._core`.

use pyo3::prelude::*;

use crate::context;
use crate::escape;
use crate::hooks::{self, state_contract, Hooks};
use crate::statics;
use crate::tree::Node;

/// Installs the Python callbacks (see hooks/); later calls are ignored.
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
    hooks::install(
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

/// Enters a building context (`None` = a barrier).
#[pyfunction]
pub fn stack_push(node: Option<Py<Node>>) {
    context::push(node);
}

#[pyfunction]
pub fn stack_pop() {
    context::pop();
}

/// The tag new tags are appended to, if any.
#[pyfunction]
pub fn stack_top(py: Python<'_>) -> Option<Py<Node>> {
    context::top(py)
}

/// Whether a name can be a tag name (checked when `Tag.xxx` makes a class).
#[pyfunction]
pub fn valid_tag_name(name: &str) -> bool {
    escape::valid_tag_name(name)
}

/// The stable 64-bit hash that deduplicates a static (`statics::fast_hash`).
#[pyfunction]
pub fn static_hash(data: &[u8]) -> u64 {
    statics::fast_hash(data)
}

/// The short content digest that names a static's URL (`statics::digest`).
#[pyfunction]
pub fn static_digest(data: &[u8]) -> String {
    statics::digest(data)
}

/// `state._value = value` in one step under the GIL; the former value (`State.set`,
/// see hooks/state_contract.rs).
#[pyfunction]
pub fn swap_value<'py>(
    state: &Bound<'py, PyAny>,
    value: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    state_contract::swap_value(state, value)
}
