//! Walks over the tree: up (ancestors, top, cache invalidation, client
//! records) and down (every node, the nodes mounting must see, find by id).
//! All iterative: a deep tree cannot overflow the stack.

use pyo3::prelude::*;

use super::compact::materialize;
use super::flags::F_MOUNT_MASK;
use super::model::{Child, Node};

/// Clears cached HTML of `node` and of all its ancestors (any of them may hold
/// HTML that includes this node); returns the topmost one.
pub fn invalidate(py: Python<'_>, node: &Bound<'_, Node>) -> Py<Node> {
    let mut current = node.clone().unbind();
    loop {
        let next = {
            let mut b = current.bind(py).borrow_mut();
            b.cache = None;
            b.parent.as_ref().map(|p| p.clone_ref(py))
        };
        match next {
            Some(p) => current = p,
            None => return current,
        }
    }
}

/// The topmost ancestor (or `node` itself).
pub fn top(node: &Bound<'_, Node>) -> Py<Node> {
    let py = node.py();
    let mut cur: Py<Node> = node.clone().unbind();
    loop {
        let next = cur
            .bind(py)
            .borrow()
            .parent
            .as_ref()
            .map(|p| p.clone_ref(py));
        match next {
            Some(p) => cur = p,
            None => return cur,
        }
    }
}

/// Ancestors from the parent up to the top.
pub fn ancestors(py: Python<'_>, node: &Node) -> Vec<Py<Node>> {
    let mut out = Vec::new();
    let mut cur = node.parent.as_ref().map(|p| p.clone_ref(py));
    while let Some(p) = cur {
        cur = p.bind(py).borrow().parent.as_ref().map(|q| q.clone_ref(py));
        out.push(p);
    }
    out
}

/// Forgets the client's copy of `node` (with `itself`) and of every ancestor:
/// their recorded hashes no longer describe it.
pub fn forget_sent(py: Python<'_>, node: &mut Node, itself: bool) {
    if let (true, Some(sent)) = (itself, node.sent.as_mut()) {
        sent.hash = 0;
    }
    let mut cur = node.parent.as_ref().map(|p| p.clone_ref(py));
    while let Some(p) = cur {
        let mut b = p.bind(py).borrow_mut();
        if let Some(sent) = b.sent.as_mut() {
            sent.hash = 0;
        }
        cur = b.parent.as_ref().map(|q| q.clone_ref(py));
    }
}

/// `node` and every descendant node, preorder.
pub fn preorder(node: &Bound<'_, Node>) -> Vec<Py<Node>> {
    let py = node.py();
    let mut out = Vec::new();
    let mut stack: Vec<Py<Node>> = vec![node.clone().unbind()];
    while let Some(n) = stack.pop() {
        {
            let b = n.bind(py).borrow();
            for c in b.children.iter().rev() {
                if let Child::Node(k) = c {
                    stack.push(k.clone_ref(py));
                }
            }
        }
        out.push(n);
    }
    out
}

/// The nodes of the subtree that mounting must look at (see `F_MOUNT_MASK`), preorder.
pub fn mount_walk(node: &Bound<'_, Node>) -> Vec<Py<Node>> {
    let py = node.py();
    let mut out = Vec::new();
    let mut stack: Vec<Py<Node>> = vec![node.clone().unbind()];
    while let Some(n) = stack.pop() {
        let keep = {
            let b = n.bind(py).borrow();
            for c in b.children.iter().rev() {
                if let Child::Node(k) = c {
                    stack.push(k.clone_ref(py));
                }
            }
            b.flags & F_MOUNT_MASK != 0
        };
        if keep {
            out.push(n);
        }
    }
    out
}

/// A descendant (or `node`) by internal id or by its `id` attribute; a leaf
/// found this way gets its Python object back.
pub fn find(node: &Bound<'_, Node>, id: &str) -> PyResult<Option<Py<Node>>> {
    let py = node.py();
    let mut stack: Vec<Py<Node>> = vec![node.clone().unbind()];
    while let Some(n) = stack.pop() {
        let mut leaf_at = None;
        let found = {
            let b = n.bind(py).borrow();
            for (i, c) in b.children.iter().enumerate() {
                match c {
                    Child::Node(k) => stack.push(k.clone_ref(py)),
                    Child::Leaf(l) if leaf_at.is_none() && l.view().has_id(id) => leaf_at = Some(i),
                    _ => {}
                }
            }
            b.view().has_id(id)
        };
        if found {
            return Ok(Some(n));
        }
        if let Some(i) = leaf_at {
            return materialize(n.bind(py), i).map(Some);
        }
    }
    Ok(None)
}
