//! Reactive values resolved to text at render time: attribute values (through
//! the `_resolve_attr` hook) and the fast path for a `State` child.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt, PyString};

use crate::hooks::{self, state_contract};
use crate::tree::flags::F_EXTRA;
use crate::tree::Node;

/// A resolved attribute value: None when absent, "" for a bare boolean attribute.
pub fn attr_value(node: &Bound<'_, Node>, value: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    let py = node.py();
    let mut resolved = value.clone();
    if resolved.is_callable() {
        resolved = hooks::get(py)?.resolve_attr.bind(py).call1((node, value))?;
    }
    if resolved.is_none() {
        return Ok(None);
    }
    if let Ok(b) = resolved.cast::<PyBool>() {
        return Ok(b.is_true().then(String::new));
    }
    if let Ok(s) = resolved.cast::<PyString>() {
        return Ok(Some(s.to_str()?.to_owned()));
    }
    Ok(Some(resolved.str()?.to_str()?.to_owned()))
}

/// The fast path of `_resolve_child` in htag/core/render_hooks.py for the most common reactive
/// child, a `State` holding a str or a number: registers the tag as a dependent
/// of the State and returns its text, without a Python call. None: take the
/// general path (other values, subclasses of State, tags that own generated tags).
pub fn state_text(node: &Bound<'_, Node>, obj: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    if !state_contract::is_state(obj)? || node.borrow().flags & F_EXTRA != 0 {
        return Ok(None);
    }
    let value = state_contract::peek_value(obj)?;
    let text = if let Ok(s) = value.cast::<PyString>() {
        s.to_str()?.to_owned()
    } else if value.is_instance_of::<PyInt>() || value.is_instance_of::<PyFloat>() {
        value.str()?.to_str()?.to_owned()
    } else {
        return Ok(None);
    };
    state_contract::track_for(obj, node)?;
    Ok(Some(text))
}
