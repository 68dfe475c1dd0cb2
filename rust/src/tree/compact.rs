//! Leaf compaction: a plain static tag that nothing but its parent refers to
//! gives up its Python object and lives on as a `Leaf` (a 1,000-row table
//! keeps 10,000 small structs instead of 10,000 Python objects); reading it
//! from Python gives it a Python object back, with the same id and data.

use std::sync::Arc;

use pyo3::exceptions::PyValueError;
use pyo3::intern;
use pyo3::prelude::*;

use super::flags::F_PLAIN;
use super::model::{Attr, Child, Leaf, Node};

/// A lone text child is kept apart (no list needed); otherwise the children as they are.
fn split_lone_text(mut children: Vec<Child>) -> (Option<Arc<str>>, Box<[Child]>) {
    let text = match children.as_slice() {
        [Child::Text(t)] => Some(t.clone()),
        _ => None,
    };
    if text.is_some() {
        children.clear();
    }
    (text, children.into_boxed_slice())
}

/// The children of a leaf as a node's children again (the inverse of `split_lone_text`).
fn join_lone_text(children: &[Child], text: &Option<Arc<str>>) -> Vec<Child> {
    let copy = |c: &Child| match c {
        Child::Text(t) => Some(Child::Text(t.clone())),
        Child::Raw(t) => Some(Child::Raw(t.clone())),
        _ => None,
    };
    let mut out: Vec<Child> = children.iter().filter_map(copy).collect();
    if let Some(t) = text {
        out.push(Child::Text(t.clone()));
    }
    out
}

impl Leaf {
    fn from_node(class: Py<PyAny>, node: Node) -> Leaf {
        let (text, children) = split_lone_text(node.children);
        Leaf {
            class,
            tag: node.tag,
            num: node.num,
            given_id: node.given_id,
            attrs: node.attrs.into_boxed_slice(),
            text,
            children,
        }
    }

    /// The node data back, for a new Python object.
    fn to_node(&self) -> Node {
        Node {
            tag: self.tag.clone(),
            num: self.num,
            given_id: self.given_id.clone(),
            attrs: self
                .attrs
                .iter()
                .filter_map(|(n, a)| match a {
                    Attr::Text(v) => Some((n.clone(), Attr::Text(v.clone()))),
                    Attr::Flag => Some((n.clone(), Attr::Flag)),
                    Attr::Dynamic(_) => None,
                })
                .collect(),
            children: join_lone_text(&self.children, &self.text),
            parent: None,
            cache: None,
            flags: F_PLAIN,
            sent: None,
        }
    }
}

impl Node {
    /// Whether `child` can become a `Leaf`: a plain static tag without children
    /// tags, nothing attached to its Python object, and no reference to it but ours.
    fn compactable(child: &Bound<'_, Node>) -> bool {
        // SAFETY: reading the reference count of a live object we hold.
        let only_ours = unsafe { pyo3::ffi::Py_REFCNT(child.as_ptr()) } == 1;
        if !only_ours {
            return false;
        }
        let Ok(b) = child.try_borrow() else {
            return false;
        };
        b.flags == F_PLAIN && b.children.iter().all(Child::is_static_text) && !b.has_dynamic_attrs()
    }

    /// Turns this node's compactable children into leaves.
    pub fn compact(&mut self, py: Python<'_>) {
        for child in self.children.iter_mut() {
            let Child::Node(n) = child else { continue };
            let bound = n.bind(py);
            if !Node::compactable(bound) {
                continue;
            }
            let data = std::mem::replace(&mut *bound.borrow_mut(), Node::blank());
            let class = bound.get_type().into_any().unbind();
            *child = Child::Leaf(Arc::new(Leaf::from_node(class, data)));
        }
    }
}

/// Gives the leaf at `index` of `parent` its Python object back (same id, same
/// data) and puts that object in its place; returns it.
pub fn materialize(parent: &Bound<'_, Node>, index: usize) -> PyResult<Py<Node>> {
    let py = parent.py();
    let leaf = match &parent.borrow().children[index] {
        Child::Leaf(l) => l.clone(),
        Child::Node(n) => return Ok(n.clone_ref(py)),
        _ => return Err(PyValueError::new_err("not a tag")),
    };
    let class = leaf.class.bind(py);
    let obj = class.call_method1(intern!(py, "__new__"), (class,))?;
    let node = obj.cast::<Node>()?;
    {
        let mut b = node.borrow_mut();
        *b = leaf.to_node();
        b.parent = Some(parent.clone().unbind());
    }
    parent.borrow_mut().children[index] = Child::Node(node.clone().unbind());
    Ok(node.clone().unbind())
}

/// Every leaf child of `parent` back to a Python object.
pub fn materialize_all(parent: &Bound<'_, Node>) -> PyResult<()> {
    let leaves: Vec<usize> = parent
        .borrow()
        .children
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c, Child::Leaf(_)))
        .map(|(i, _)| i)
        .collect();
    for i in leaves {
        materialize(parent, i)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(children: &[Child]) -> Vec<String> {
        children
            .iter()
            .map(|c| match c {
                Child::Text(t) => format!("T:{t}"),
                Child::Raw(t) => format!("R:{t}"),
                _ => "?".into(),
            })
            .collect()
    }

    #[test]
    fn a_lone_text_child_needs_no_list() {
        let (text, rest) = split_lone_text(vec![Child::Text(Arc::from("x"))]);
        assert_eq!(text.as_deref(), Some("x"));
        assert!(rest.is_empty());
        assert_eq!(texts(&join_lone_text(&rest, &text)), ["T:x"]);
    }

    #[test]
    fn other_children_are_kept_in_order() {
        let kids = vec![Child::Raw(Arc::from("<b>")), Child::Text(Arc::from("y"))];
        let (text, rest) = split_lone_text(kids);
        assert!(text.is_none());
        assert_eq!(texts(&join_lone_text(&rest, &text)), ["R:<b>", "T:y"]);
        let (text, rest) = split_lone_text(vec![Child::Raw(Arc::from("<i>"))]);
        assert!(text.is_none());
        assert_eq!(texts(&rest), ["R:<i>"]);
        let (text, rest) = split_lone_text(Vec::new());
        assert!(text.is_none() && rest.is_empty());
    }
}
