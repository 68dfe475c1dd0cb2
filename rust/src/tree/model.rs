//! The data of the tag tree: one `Node` per tag (subclassed by the Python
//! `Tag` classes), its attributes and children, and `Leaf`, a static tag kept
//! as plain Rust data. Structure lives here so that rendering never walks
//! Python dicts. Reactive pieces (callables, `State`s) are stored as Python
//! objects and resolved at render time (see render/).
//!
//! The Python methods of `Node` are in bindings/; this module only defines
//! the struct (with its `#[pyclass]` options) and plain-Rust accessors.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use pyo3::prelude::*;

use crate::intern;

pub enum Attr {
    Text(Arc<str>),
    /// A boolean attribute rendered bare (`disabled`).
    Flag,
    /// A callable or `State`, evaluated at each render.
    Dynamic(Py<PyAny>),
}

pub enum Child {
    /// Escaped at render.
    Text(Arc<str>),
    /// An `HTML` string, rendered verbatim.
    Raw(Arc<str>),
    Node(Py<Node>),
    /// A callable or `State`, evaluated at each render.
    Dynamic(Py<PyAny>),
    /// A static leaf tag no Python code refers to any more, kept as plain Rust
    /// data (see tree/compact.rs); it becomes a Python object again on demand.
    /// Boxed, not shared: a count would cost each row 16 bytes more.
    Leaf(Box<Leaf>),
}

impl Child {
    pub fn clone_ref(&self, py: Python<'_>) -> Child {
        match self {
            Child::Text(s) => Child::Text(s.clone()),
            Child::Raw(s) => Child::Raw(s.clone()),
            Child::Node(n) => Child::Node(n.clone_ref(py)),
            Child::Dynamic(o) => Child::Dynamic(o.clone_ref(py)),
            Child::Leaf(l) => Child::Leaf(Box::new(l.duplicate(py))),
        }
    }

    /// Plain text or `HTML`: what a leaf may contain.
    pub fn is_static_text(&self) -> bool {
        matches!(self, Child::Text(_) | Child::Raw(_))
    }

    /// Text, `HTML` or a leaf: rendered without calling Python.
    pub fn is_plain_data(&self) -> bool {
        matches!(self, Child::Text(_) | Child::Raw(_) | Child::Leaf(_))
    }
}

/// A tag without its Python object: its class (to rebuild it), its id number,
/// its content and its shape, which equal rows share. One is kept per static row
/// of every session, so each byte counts: 48 bytes, served by glibc from a 64-byte
/// chunk (112 when each leaf held its name and attributes and was counted).
pub struct Leaf {
    pub class: Py<PyAny>,
    pub shape: Arc<LeafShape>,
    pub num: u64,
    pub content: LeafContent,
}

/// What the rows of a list or a table have in common: the tag name, the
/// attributes and (rarely) a developer-chosen id, which makes it a shape of its
/// own. Equal shapes are one allocation (see `compact::shared_shape`).
pub struct LeafShape {
    pub tag: Arc<str>,
    pub given_id: Option<Arc<str>>,
    pub attrs: Arc<[(Arc<str>, Attr)]>,
}

/// What a leaf contains: its lone text child, or its children (texts and HTML).
pub enum LeafContent {
    Text(Arc<str>),
    Children(Box<[Child]>),
}

impl Leaf {
    pub fn view(&self) -> TagView<'_> {
        let (text, children): (Option<&str>, &[Child]) = match &self.content {
            LeafContent::Text(t) => (Some(t), &[]),
            LeafContent::Children(c) => (None, c),
        };
        TagView {
            tag: &self.shape.tag,
            num: self.num,
            given_id: self.shape.given_id.as_deref(),
            attrs: &self.shape.attrs,
            text,
            children,
        }
    }

    /// A copy (for a snapshot of a node's children).
    pub fn duplicate(&self, py: Python<'_>) -> Leaf {
        Leaf {
            class: self.class.clone_ref(py),
            shape: self.shape.clone(),
            num: self.num,
            content: match &self.content {
                LeafContent::Text(t) => LeafContent::Text(t.clone()),
                LeafContent::Children(c) => {
                    LeafContent::Children(c.iter().map(|k| k.clone_ref(py)).collect())
                }
            },
        }
    }
}

/// What the renderer needs to write a tag's opening and static content,
/// whether the tag is a `Node` or a `Leaf`.
pub struct TagView<'a> {
    pub tag: &'a str,
    pub num: u64,
    pub given_id: Option<&'a str>,
    pub attrs: &'a [(Arc<str>, Attr)],
    pub text: Option<&'a str>,
    pub children: &'a [Child],
}

impl TagView<'_> {
    /// Whether `id` is this tag's internal id or its `id` attribute.
    pub fn has_id(&self, id: &str) -> bool {
        let hid = match self.given_id {
            Some(given) => given == id,
            None => {
                let mut s = String::new();
                intern::push_auto_id(&mut s, self.num);
                s == id
            }
        };
        hid || self
            .attrs
            .iter()
            .any(|(n, a)| &**n == "id" && matches!(a, Attr::Text(v) if &**v == id))
    }
}

/// Values last sent to the client, for nodes with reactive content.
#[derive(Default)]
pub struct Sent {
    pub hash: u64,
    pub attrs: Vec<(Arc<str>, Option<String>)>,
}

#[pyclass(subclass, weakref, module = "htag._core")]
pub struct Node {
    /// Element name; empty for a fragment (renders its children only).
    pub tag: Arc<str>,
    /// Internal id number (`h` + base 36), unless `given_id` is set.
    pub num: u64,
    /// An internal id chosen by the developer (`_id="x"`).
    pub given_id: Option<Arc<str>>,
    pub attrs: Vec<(Arc<str>, Attr)>,
    pub children: Vec<Child>,
    pub parent: Option<Py<Node>>,
    /// HTML of this subtree, kept while the subtree has no reactive content and
    /// nothing inside it changed; only on the topmost static node of a path.
    pub cache: Option<Arc<str>>,
    /// See tree/flags.rs.
    pub flags: u16,
    pub sent: Option<Box<Sent>>,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl Node {
    /// A new empty node with the next internal id.
    pub fn new(tag: Arc<str>, flags: u16) -> Node {
        Node {
            tag,
            num: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            given_id: None,
            attrs: Vec::new(),
            children: Vec::new(),
            parent: None,
            cache: None,
            flags,
            sent: None,
        }
    }

    /// What is left in a Python object whose data moved into a `Leaf`.
    pub fn blank() -> Node {
        Node {
            tag: Arc::from(""),
            num: 0,
            given_id: None,
            attrs: Vec::new(),
            children: Vec::new(),
            parent: None,
            cache: None,
            flags: 0,
            sent: None,
        }
    }

    pub fn view(&self) -> TagView<'_> {
        TagView {
            tag: &self.tag,
            num: self.num,
            given_id: self.given_id.as_deref(),
            attrs: &self.attrs,
            text: None,
            children: &self.children,
        }
    }

    pub fn push_hid(&self, out: &mut String) {
        match &self.given_id {
            Some(id) => out.push_str(id),
            None => intern::push_auto_id(out, self.num),
        }
    }

    pub fn hid_string(&self) -> String {
        let mut s = String::new();
        self.push_hid(&mut s);
        s
    }

    pub fn sent_mut(&mut self) -> &mut Sent {
        self.sent.get_or_insert_with(Box::default)
    }

    pub fn set_flag(&mut self, flag: u16, on: bool) {
        if on {
            self.flags |= flag;
        } else {
            self.flags &= !flag;
        }
    }

    pub fn has_dynamic_children(&self) -> bool {
        self.children.iter().any(|c| matches!(c, Child::Dynamic(_)))
    }

    /// The reactive attributes, to evaluate without holding a borrow.
    pub fn dynamic_attrs(&self, py: Python<'_>) -> Vec<(Arc<str>, Py<PyAny>)> {
        self.attrs
            .iter()
            .filter_map(|(n, a)| match a {
                Attr::Dynamic(o) => Some((n.clone(), o.clone_ref(py))),
                _ => None,
            })
            .collect()
    }

    pub fn has_dynamic_attrs(&self) -> bool {
        self.attrs
            .iter()
            .any(|(_, a)| matches!(a, Attr::Dynamic(_)))
    }

    pub fn attr_index(&self, name: &str) -> Option<usize> {
        self.attrs.iter().position(|(n, _)| &**n == name)
    }

    /// Concatenation of the plain-string children.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for c in &self.children {
            if let Child::Text(t) | Child::Raw(t) = c {
                s.push_str(t);
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Child {
        Child::Text(Arc::from(s))
    }

    #[test]
    fn ids_are_numbered_unless_given() {
        let a = Node::new(Arc::from("div"), 0);
        let b = Node::new(Arc::from("div"), 0);
        assert!(b.num > a.num);
        let mut s = String::new();
        intern::push_auto_id(&mut s, a.num);
        assert_eq!(a.hid_string(), s);
        let mut c = Node::blank();
        c.given_id = Some(Arc::from("main"));
        assert_eq!(c.hid_string(), "main");
    }

    #[test]
    fn has_id_matches_internal_and_attribute_ids() {
        let mut n = Node::blank();
        n.num = 36;
        assert!(n.view().has_id("h10"));
        assert!(!n.view().has_id("main"));
        n.attrs
            .push((Arc::from("id"), Attr::Text(Arc::from("main"))));
        assert!(n.view().has_id("main"));
        n.given_id = Some(Arc::from("x"));
        assert!(n.view().has_id("x"));
        assert!(!n.view().has_id("h10"));
    }

    #[test]
    fn attributes_and_text() {
        let mut n = Node::blank();
        n.attrs
            .push((Arc::from("class"), Attr::Text(Arc::from("a"))));
        n.attrs.push((Arc::from("disabled"), Attr::Flag));
        assert_eq!(n.attr_index("disabled"), Some(1));
        assert_eq!(n.attr_index("style"), None);
        assert!(!n.has_dynamic_attrs());
        n.children = vec![text("a"), Child::Raw(Arc::from("<b>")), text("c")];
        assert_eq!(n.text(), "a<b>c");
        assert!(!n.has_dynamic_children());
        assert!(n.children.iter().all(Child::is_static_text));
    }

    #[test]
    fn flags_toggle() {
        let mut n = Node::blank();
        n.set_flag(4, true);
        n.set_flag(8, true);
        n.set_flag(4, false);
        assert_eq!(n.flags, 8);
    }
}
