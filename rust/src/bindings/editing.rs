//! Editing the children: append, remove, clear, read them back, compact.
//! Every structural change clears the caches up to the root (`invalidate`).

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString, PyTuple};

use super::convert::{child_to_py, push_items};
use crate::tree::compact::materialize_all;
use crate::tree::walk::{ancestors, invalidate};
use crate::tree::{Child, Node};

#[pymethods]
impl Node {
    /// Appends items (str, HTML, nodes, callables, lists/tuples flattened,
    /// None skipped); returns the nodes appended. Callers detach nodes from a
    /// previous parent first.
    fn _append(slf: &Bound<'_, Self>, items: &Bound<'_, PyTuple>) -> PyResult<Py<PyList>> {
        let py = slf.py();
        let nodes = PyList::empty(py);
        let mut new_children = Vec::new();
        for item in items.iter() {
            push_items(py, &item, &mut new_children, &nodes)?;
        }
        for n in nodes.iter() {
            let node = n.cast::<Node>()?;
            if node.is(slf) {
                return Err(PyValueError::new_err("a tag cannot contain itself"));
            }
            if ancestors(py, &slf.borrow())
                .iter()
                .any(|a| a.bind(py).is(node))
            {
                return Err(PyValueError::new_err(
                    "a tag cannot contain one of its ancestors",
                ));
            }
        }
        for n in nodes.iter() {
            n.cast::<Node>()?.borrow_mut().parent = Some(slf.clone().unbind());
        }
        if !new_children.is_empty() {
            slf.borrow_mut().children.extend(new_children);
            invalidate(py, slf);
        }
        Ok(nodes.unbind())
    }

    /// Removes the first child identical to `item` (equal, for strings).
    /// Returns whether something was removed.
    fn _remove_child(slf: &Bound<'_, Self>, item: &Bound<'_, PyAny>) -> PyResult<bool> {
        let py = slf.py();
        let pos = {
            let me = slf.borrow();
            let text = item.cast::<PyString>().ok().map(|s| s.to_string());
            me.children.iter().position(|c| match c {
                Child::Node(n) => n.bind(py).is(item),
                Child::Dynamic(o) => o.bind(py).is(item),
                Child::Text(s) | Child::Raw(s) => text.as_deref() == Some(&**s),
                Child::Leaf(_) => false, // nothing outside refers to a leaf
            })
        };
        let Some(pos) = pos else { return Ok(false) };
        let removed = slf.borrow_mut().children.remove(pos);
        if let Child::Node(n) = removed {
            n.bind(py).borrow_mut().parent = None;
        }
        invalidate(py, slf);
        Ok(true)
    }

    /// Removes every child; returns the nodes removed.
    fn _clear(slf: &Bound<'_, Self>) -> Vec<Py<Node>> {
        let py = slf.py();
        let old = std::mem::take(&mut slf.borrow_mut().children);
        let mut nodes = Vec::new();
        for c in old {
            if let Child::Node(n) = c {
                n.bind(py).borrow_mut().parent = None;
                nodes.push(n);
            }
        }
        invalidate(py, slf);
        nodes
    }

    /// Sets the parent link without listing the node among the parent's
    /// children: used for tags produced by reactive lambdas.
    fn _adopt(&mut self, parent: Option<Py<Node>>) {
        self.parent = parent;
    }

    /// The children as Python objects (str, HTML, tags, reactive callables).
    #[getter]
    fn childs(slf: &Bound<'_, Self>) -> PyResult<Vec<Py<PyAny>>> {
        materialize_all(slf)?;
        let me = slf.borrow();
        me.children
            .iter()
            .map(|c| child_to_py(slf.py(), c))
            .collect()
    }

    /// Turns unreferenced static leaf children into plain Rust data.
    fn _compact(slf: &Bound<'_, Self>) {
        slf.borrow_mut().compact(slf.py());
    }

    fn _child_count(&self) -> usize {
        self.children.len()
    }

    /// Concatenation of the plain-string children.
    fn _text(&self) -> String {
        self.text()
    }
}
