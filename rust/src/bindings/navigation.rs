//! Moving around the tree from Python: parent, root, ancestors, walks, find.
//! The walks themselves are in tree/walk.rs.

use pyo3::prelude::*;

use crate::tree::flags::F_APP;
use crate::tree::walk;
use crate::tree::Node;

#[pymethods]
impl Node {
    #[getter]
    fn parent(&self, py: Python<'_>) -> Option<Py<Node>> {
        self.parent.as_ref().map(|p| p.clone_ref(py))
    }

    /// The App this node is mounted in, or None.
    #[getter]
    fn root(slf: &Bound<'_, Self>) -> Option<Py<Node>> {
        let top = walk::top(slf);
        let is_app = top.bind(slf.py()).borrow().flags & F_APP != 0;
        is_app.then_some(top)
    }

    /// Ancestors from the parent up to the top.
    fn _ancestors(&self, py: Python<'_>) -> Vec<Py<Node>> {
        walk::ancestors(py, self)
    }

    /// This node and every descendant node, preorder, without recursion.
    fn _walk(slf: &Bound<'_, Self>) -> Vec<Py<Node>> {
        walk::preorder(slf)
    }

    /// The nodes of this subtree that mounting must look at (see F_MOUNT_MASK).
    fn _mount_walk(slf: &Bound<'_, Self>) -> Vec<Py<Node>> {
        walk::mount_walk(slf)
    }

    /// A descendant (or self) by internal id or by its `id` attribute.
    fn _find(slf: &Bound<'_, Self>, id: &str) -> PyResult<Option<Py<Node>>> {
        walk::find(slf, id)
    }

    /// The client's copy of this node (with `itself`, after an attribute patch) and
    /// of every ancestor just changed: their recorded hashes no longer describe it.
    #[pyo3(signature = (itself = false))]
    fn _forget_sent(&mut self, py: Python<'_>, itself: bool) {
        walk::forget_sent(py, self, itself);
    }
}
