//! Leaf compaction: a plain static tag that nothing but its parent refers to
//! gives up its Python object and lives on as a `Leaf` (a 1,000-row table
//! keeps 10,000 small structs instead of 10,000 Python objects); reading it
//! from Python gives it a Python object back, with the same id and data.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use pyo3::exceptions::PyValueError;
use pyo3::intern;
use pyo3::prelude::*;

use super::flags::F_PLAIN;
use super::model::{Attr, Child, Leaf, LeafContent, Node};

type Attrs = Arc<[(Arc<str>, Attr)]>;
/// An attribute list by content: (name, value; None for a bare flag).
type AttrsKey = Vec<(Arc<str>, Option<Arc<str>>)>;

const MAX_SHARED_ATTRS: usize = 4096;
const MAX_SHARED_ATTRS_LEN: usize = 128; // bytes of names and values

/// The attributes of a leaf, shared with every leaf that has the same ones: the rows
/// of a table or the items of a list carry the same few (`class="row"`), and so does
/// every session of one App. Bounded like the interned names: past the bound, and
/// for long lists, a list is allocated on its own.
fn shared_attrs(attrs: Vec<(Arc<str>, Attr)>) -> Attrs {
    static TABLE: OnceLock<Mutex<HashMap<AttrsKey, Attrs>>> = OnceLock::new();
    let mut size = 0;
    let mut key: AttrsKey = Vec::with_capacity(attrs.len());
    for (name, attr) in &attrs {
        let value = match attr {
            Attr::Text(v) => Some(v.clone()),
            Attr::Flag => None,
            Attr::Dynamic(_) => return attrs.into(), // never in a leaf; kept unshared if it were
        };
        size += name.len() + value.as_deref().map_or(0, str::len);
        key.push((name.clone(), value));
    }
    if size > MAX_SHARED_ATTRS_LEN {
        return attrs.into();
    }
    let table = TABLE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut t = table.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(found) = t.get(&key) {
        return found.clone();
    }
    let new: Attrs = attrs.into();
    if t.len() < MAX_SHARED_ATTRS {
        t.insert(key, new.clone());
    }
    new
}

/// A lone text child is kept apart (no list needed); otherwise the children as they are.
fn split_lone_text(children: Vec<Child>) -> LeafContent {
    match children.as_slice() {
        [Child::Text(t)] => LeafContent::Text(t.clone()),
        _ => LeafContent::Children(children.into_boxed_slice()),
    }
}

/// The children of a leaf as a node's children again (the inverse of `split_lone_text`).
fn join_lone_text(content: &LeafContent) -> Vec<Child> {
    let copy = |c: &Child| match c {
        Child::Text(t) => Some(Child::Text(t.clone())),
        Child::Raw(t) => Some(Child::Raw(t.clone())),
        _ => None,
    };
    match content {
        LeafContent::Text(t) => vec![Child::Text(t.clone())],
        LeafContent::Children(children) => children.iter().filter_map(copy).collect(),
    }
}

impl Leaf {
    fn from_node(class: Py<PyAny>, node: Node) -> Leaf {
        Leaf {
            class,
            tag: node.tag,
            num: node.num,
            given_id: node.given_id,
            attrs: shared_attrs(node.attrs),
            content: split_lone_text(node.children),
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
            children: join_lone_text(&self.content),
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
        let content = split_lone_text(vec![Child::Text(Arc::from("x"))]);
        assert!(matches!(&content, LeafContent::Text(t) if &**t == "x"));
        assert_eq!(texts(&join_lone_text(&content)), ["T:x"]);
    }

    #[test]
    fn other_children_are_kept_in_order() {
        let kids = vec![Child::Raw(Arc::from("<b>")), Child::Text(Arc::from("y"))];
        let content = split_lone_text(kids);
        assert!(matches!(&content, LeafContent::Children(c) if c.len() == 2));
        assert_eq!(texts(&join_lone_text(&content)), ["R:<b>", "T:y"]);
        let content = split_lone_text(vec![Child::Raw(Arc::from("<i>"))]);
        assert_eq!(texts(&join_lone_text(&content)), ["R:<i>"]);
        let content = split_lone_text(Vec::new());
        assert!(matches!(&content, LeafContent::Children(c) if c.is_empty()));
    }

    #[test]
    fn equal_attribute_lists_are_shared() {
        let list = |v: &str| {
            vec![
                (Arc::from("class"), Attr::Text(Arc::from(v))),
                (Arc::from("hidden"), Attr::Flag),
            ]
        };
        let (a, b, c) = (
            shared_attrs(list("row")),
            shared_attrs(list("row")),
            shared_attrs(list("other")),
        );
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
        assert!(matches!(&c[0].1, Attr::Text(v) if &**v == "other"));
        assert!(matches!(c[1].1, Attr::Flag));
        let long = "x".repeat(MAX_SHARED_ATTRS_LEN);
        assert!(!Arc::ptr_eq(
            &shared_attrs(list(&long)),
            &shared_attrs(list(&long))
        ));
    }

    #[test]
    fn a_leaf_fits_a_112_byte_allocation() {
        // one Leaf per static row of every session: glibc serves the Arc's 16 + 88 bytes
        // from a 112-byte chunk, where 96 (text and children side by side) took 128
        assert!(
            std::mem::size_of::<Leaf>() <= 88,
            "{}",
            std::mem::size_of::<Leaf>()
        );
    }
}
