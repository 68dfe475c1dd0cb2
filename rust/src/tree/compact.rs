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
use super::model::{Attr, Child, Leaf, LeafContent, LeafShape, Node};

/// A shape by content: tag name, then (name, value; None for a bare flag) per attribute.
type ShapeKey = (Arc<str>, Vec<(Arc<str>, Option<Arc<str>>)>);

const MAX_SHARED_SHAPES: usize = 4096;
const MAX_SHARED_SHAPE_LEN: usize = 128; // bytes of the tag, names and values

/// The shape of a leaf, shared with every leaf that has the same one: the rows of a
/// table or the items of a list have the same tag and the same few attributes
/// (`class="row"`), and so does every session of one App. Bounded like the interned
/// names: past the bound, for long attribute lists and for a chosen id, a shape is
/// allocated on its own.
fn shared_shape(
    tag: Arc<str>,
    given_id: Option<Arc<str>>,
    attrs: Vec<(Arc<str>, Attr)>,
) -> Arc<LeafShape> {
    let alone = |tag, given_id, attrs: Vec<_>| {
        Arc::new(LeafShape {
            tag,
            given_id,
            attrs: attrs.into(),
        })
    };
    if given_id.is_some() {
        return alone(tag, given_id, attrs);
    }
    let mut size = tag.len();
    let mut values = Vec::with_capacity(attrs.len());
    for (name, attr) in &attrs {
        let value = match attr {
            Attr::Text(v) => Some(v.clone()),
            Attr::Flag => None,
            Attr::Dynamic(_) => return alone(tag, given_id, attrs), // never in a leaf
        };
        size += name.len() + value.as_deref().map_or(0, str::len);
        values.push((name.clone(), value));
    }
    if size > MAX_SHARED_SHAPE_LEN {
        return alone(tag, given_id, attrs);
    }
    static TABLE: OnceLock<Mutex<HashMap<ShapeKey, Arc<LeafShape>>>> = OnceLock::new();
    let table = TABLE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut t = table.lock().unwrap_or_else(|e| e.into_inner());
    let key = (tag, values);
    if let Some(found) = t.get(&key) {
        return found.clone();
    }
    let new = alone(key.0.clone(), None, attrs);
    if t.len() < MAX_SHARED_SHAPES {
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
            shape: shared_shape(node.tag, node.given_id, node.attrs),
            num: node.num,
            content: split_lone_text(node.children),
        }
    }

    /// The node data back, for a new Python object.
    fn to_node(&self) -> Node {
        let shape = &self.shape;
        Node {
            tag: shape.tag.clone(),
            num: self.num,
            given_id: shape.given_id.clone(),
            attrs: shape
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
            *child = Child::Leaf(Box::new(Leaf::from_node(class, data)));
        }
        // a list built row by row has grown by doubling: up to half of it unused, per session
        if self.children.capacity() - self.children.len() >= 16 {
            self.children.shrink_to_fit();
        }
    }
}

/// Gives the leaf at `index` of `parent` its Python object back (same id, same
/// data) and puts that object in its place; returns it.
pub fn materialize(parent: &Bound<'_, Node>, index: usize) -> PyResult<Py<Node>> {
    let py = parent.py();
    let (class, data) = match &parent.borrow().children[index] {
        Child::Leaf(l) => (l.class.clone_ref(py), l.to_node()),
        Child::Node(n) => return Ok(n.clone_ref(py)),
        _ => return Err(PyValueError::new_err("not a tag")),
    };
    let class = class.bind(py);
    let obj = class.call_method1(intern!(py, "__new__"), (class,))?;
    let node = obj.cast::<Node>()?;
    {
        let mut b = node.borrow_mut();
        *b = data;
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
    fn equal_shapes_are_shared() {
        let list = |v: &str| {
            vec![
                (Arc::from("class"), Attr::Text(Arc::from(v))),
                (Arc::from("hidden"), Attr::Flag),
            ]
        };
        let shape = |tag: &str, v: &str| shared_shape(Arc::from(tag), None, list(v));
        let (a, b, c, d) = (
            shape("li", "row"),
            shape("li", "row"),
            shape("li", "other"),
            shape("td", "row"),
        );
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
        assert!(!Arc::ptr_eq(&a, &d));
        assert!(matches!(&c.attrs[0].1, Attr::Text(v) if &**v == "other"));
        assert!(matches!(c.attrs[1].1, Attr::Flag));
        let long = "x".repeat(MAX_SHARED_SHAPE_LEN);
        assert!(!Arc::ptr_eq(&shape("li", &long), &shape("li", &long)));
        let chosen = |id: &str| shared_shape(Arc::from("li"), Some(Arc::from(id)), list("row"));
        let (e, f) = (chosen("a"), chosen("b"));
        assert_eq!(e.given_id.as_deref(), Some("a"));
        assert_eq!(f.given_id.as_deref(), Some("b"));
    }

    #[test]
    fn a_leaf_fits_a_64_byte_allocation() {
        // one Leaf per static row of every session: glibc serves a 48-byte box from a
        // 64-byte chunk, where the counted 104 bytes of the former leaf took 112
        assert!(
            std::mem::size_of::<Leaf>() <= 48,
            "{}",
            std::mem::size_of::<Leaf>()
        );
    }
}
