//! Python values to children and attributes, and back.

use std::sync::Arc;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt, PyList, PyString, PyTuple};

use crate::hooks;
use crate::intern;
use crate::tree::{Attr, Child, Node};

/// A value `_fast_init` stores itself: None, str, bool, int, float.
pub fn simple_value(v: &Bound<'_, PyAny>) -> bool {
    v.is_none()
        || v.is_instance_of::<PyString>()
        || v.is_instance_of::<PyBool>()
        || v.is_instance_of::<PyInt>()
        || v.is_instance_of::<PyFloat>()
}

/// Converts one Python item into children, flattening lists and tuples; the
/// nodes among them are also appended to `nodes`.
pub fn push_items(
    py: Python<'_>,
    item: &Bound<'_, PyAny>,
    out: &mut Vec<Child>,
    nodes: &Bound<'_, PyList>,
) -> PyResult<()> {
    if item.is_none() {
        return Ok(());
    }
    if let Ok(node) = item.cast::<Node>() {
        out.push(Child::Node(node.clone().unbind()));
        nodes.append(node)?;
        return Ok(());
    }
    if let Ok(s) = item.cast::<PyString>() {
        let text: Arc<str> = intern::text(s.to_str()?);
        if item.is_instance(hooks::html_type(py)?)? {
            out.push(Child::Raw(text));
        } else {
            out.push(Child::Text(text));
        }
        return Ok(());
    }
    if item.is_instance_of::<PyList>() || item.is_instance_of::<PyTuple>() {
        for sub in item.try_iter()? {
            push_items(py, &sub?, out, nodes)?;
        }
        return Ok(());
    }
    if item.is_callable() {
        out.push(Child::Dynamic(item.clone().unbind()));
        return Ok(());
    }
    out.push(Child::Text(intern::text(item.str()?.to_str()?)));
    Ok(())
}

/// An attribute value as stored; `None` means the attribute is absent.
pub fn to_attr(value: &Bound<'_, PyAny>) -> PyResult<Option<Attr>> {
    if value.is_none() {
        return Ok(None);
    }
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(if b.is_true() { Some(Attr::Flag) } else { None });
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(Some(Attr::Text(intern::value(s.to_str()?))));
    }
    if value.is_callable() {
        return Ok(Some(Attr::Dynamic(value.clone().unbind())));
    }
    Ok(Some(Attr::Text(Arc::from(value.str()?.to_str()?))))
}

/// The stored attribute as Python sees it: str, True, or the reactive object.
pub fn attr_to_py(py: Python<'_>, a: &Attr) -> Py<PyAny> {
    match a {
        Attr::Text(s) => PyString::new(py, s).into_any().unbind(),
        Attr::Flag => PyBool::new(py, true).to_owned().into_any().unbind(),
        Attr::Dynamic(o) => o.clone_ref(py),
    }
}

pub fn child_to_py(py: Python<'_>, c: &Child) -> PyResult<Py<PyAny>> {
    Ok(match c {
        Child::Text(s) => PyString::new(py, s).into_any().unbind(),
        Child::Raw(s) => hooks::html_type(py)?.call1((&**s,))?.unbind(),
        Child::Node(n) => n.clone_ref(py).into_any(),
        Child::Dynamic(o) => o.clone_ref(py),
        Child::Leaf(_) => return Err(PyValueError::new_err("a leaf must be materialized first")),
    })
}
