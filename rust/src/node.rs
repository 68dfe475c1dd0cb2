//! The tag tree: one `Node` per tag, subclassed by the Python `Tag` classes.
//!
//! Structure (name, attributes, children, parent) lives here so that rendering
//! never walks Python dicts; Python only sees thin methods. Reactive pieces
//! (callables, `State`s) are stored as Python objects and resolved at render time.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::gc::PyVisit;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};
use pyo3::PyTraverseError;

use crate::escape::{valid_attr_name, valid_tag_name};
use crate::hooks;
use crate::{context, intern};

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
    /// data (see `Node::compact`); it becomes a Python object again on demand.
    Leaf(Arc<Leaf>),
}

/// A tag without its Python object: its class (to rebuild it) and its static
/// data, sized exactly (a lone text child needs no list).
pub struct Leaf {
    pub class: Py<PyAny>,
    pub tag: Arc<str>,
    pub num: u64,
    pub given_id: Option<Arc<str>>,
    pub attrs: Box<[(Arc<str>, Attr)]>,
    pub text: Option<Arc<str>>,
    pub children: Box<[Child]>,
}

/// What the renderer needs to write a tag's opening and static content.
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
    fn has_id(&self, id: &str) -> bool {
        let hid = match self.given_id {
            Some(given) => given == id,
            None => {
                let mut s = String::new();
                crate::intern::push_auto_id(&mut s, self.num);
                s == id
            }
        };
        hid || self
            .attrs
            .iter()
            .any(|(n, a)| &**n == "id" && matches!(a, Attr::Text(v) if &**v == id))
    }
}

impl Leaf {
    fn from_node(class: Py<PyAny>, node: Node) -> Leaf {
        let mut children: Vec<Child> = node.children;
        let text = match children.as_slice() {
            [Child::Text(t)] => Some(t.clone()),
            _ => None,
        };
        if text.is_some() {
            children.clear();
        }
        Leaf {
            class,
            tag: node.tag,
            num: node.num,
            given_id: node.given_id,
            attrs: node.attrs.into_boxed_slice(),
            text,
            children: children.into_boxed_slice(),
        }
    }

    /// The node data back, for a new Python object.
    fn to_node(&self) -> Node {
        let copy = |c: &Child| match c {
            Child::Text(t) => Some(Child::Text(t.clone())),
            Child::Raw(t) => Some(Child::Raw(t.clone())),
            _ => None,
        };
        let mut children: Vec<Child> = self.children.iter().filter_map(copy).collect();
        if let Some(t) = &self.text {
            children.push(Child::Text(t.clone()));
        }
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
            children,
            parent: None,
            cache: None,
            flags: F_PLAIN,
            sent: None,
        }
    }

    pub fn view(&self) -> TagView<'_> {
        TagView {
            tag: &self.tag,
            num: self.num,
            given_id: self.given_id.as_deref(),
            attrs: &self.attrs,
            text: self.text.as_deref(),
            children: &self.children,
        }
    }
}

impl Child {
    pub fn clone_ref(&self, py: Python<'_>) -> Child {
        match self {
            Child::Text(s) => Child::Text(s.clone()),
            Child::Raw(s) => Child::Raw(s.clone()),
            Child::Node(n) => Child::Node(n.clone_ref(py)),
            Child::Dynamic(o) => Child::Dynamic(o.clone_ref(py)),
            Child::Leaf(l) => Child::Leaf(l.clone()),
        }
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Node flags. The class ones come from `_htag_meta` at creation; the others
/// are set by Python when an instance gains them.
pub const F_APP: u16 = 1;
/// An App still running its own `init`: attaching under it mounts nothing yet.
pub const F_BUILDING: u16 = 2;
/// The class overrides on_mount/on_unmount.
pub const F_HOOKS: u16 = 4;
/// The class (or a base) declares statics.
pub const F_STATICS: u16 = 8;
pub const F_EVENTS: u16 = 16;
pub const F_LAMBDA: u16 = 32;
/// Instance-level statics, pending js, or tags built by lambdas.
pub const F_EXTRA: u16 = 64;
/// input/textarea/select: the client syncs their value.
pub const F_FORM: u16 = 128;
/// What mounting must look at; every other node just joins the tree.
pub const F_MOUNT_MASK: u16 = F_HOOKS | F_STATICS | F_EVENTS | F_LAMBDA | F_EXTRA | F_FORM;
/// Instances of this class are plain tags (`Tag.td`...): they may become leaves.
pub const F_PLAIN: u16 = 256;
/// Python attributes were set on the instance.
pub const F_ATTRS: u16 = 512;

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
    pub flags: u16,
    pub sent: Option<Box<Sent>>,
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
        b.flags == F_PLAIN
            && b.children
                .iter()
                .all(|c| matches!(c, Child::Text(_) | Child::Raw(_)))
            && !b.has_dynamic_attrs()
    }

    /// Turns this node's compactable children into leaves: a 1,000-row table
    /// keeps 10,000 small structs instead of 10,000 Python objects.
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

    fn blank() -> Node {
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
            None => crate::intern::push_auto_id(out, self.num),
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
    fn set_flag(&mut self, flag: u16, on: bool) {
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
}

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

/// Gives the leaf at `index` of `parent` its Python object back (same id, same
/// data) and puts that object in its place; returns it.
fn materialize(parent: &Bound<'_, Node>, index: usize) -> PyResult<Py<Node>> {
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
fn materialize_all(parent: &Bound<'_, Node>) -> PyResult<()> {
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

fn simple_value(v: &Bound<'_, PyAny>) -> bool {
    v.is_none()
        || v.is_instance_of::<PyString>()
        || v.is_instance_of::<PyBool>()
        || v.is_instance_of::<PyInt>()
        || v.is_instance_of::<PyFloat>()
}

fn is_callable_reactive(obj: &Bound<'_, PyAny>) -> bool {
    obj.is_callable()
}

/// Converts one Python item into children, flattening lists and tuples.
fn push_items(
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
        let text: Arc<str> = Arc::from(s.to_str()?);
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
    if is_callable_reactive(item) {
        out.push(Child::Dynamic(item.clone().unbind()));
        return Ok(());
    }
    out.push(Child::Text(Arc::from(item.str()?.to_str()?)));
    Ok(())
}

/// An attribute value as stored; `None` means the attribute is absent.
fn to_attr(value: &Bound<'_, PyAny>) -> PyResult<Option<Attr>> {
    if value.is_none() {
        return Ok(None);
    }
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(if b.is_true() { Some(Attr::Flag) } else { None });
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(Some(Attr::Text(intern::value(s.to_str()?))));
    }
    if is_callable_reactive(value) {
        return Ok(Some(Attr::Dynamic(value.clone().unbind())));
    }
    Ok(Some(Attr::Text(Arc::from(value.str()?.to_str()?))))
}

fn child_to_py(py: Python<'_>, c: &Child) -> PyResult<Py<PyAny>> {
    Ok(match c {
        Child::Text(s) => PyString::new(py, s).into_any().unbind(),
        Child::Raw(s) => hooks::html_type(py)?.call1((&**s,))?.unbind(),
        Child::Node(n) => n.clone_ref(py).into_any(),
        Child::Dynamic(o) => o.clone_ref(py),
        Child::Leaf(_) => return Err(PyValueError::new_err("a leaf must be materialized first")),
    })
}

#[pymethods]
impl Node {
    #[new]
    #[classmethod]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn py_new(
        cls: &Bound<'_, PyType>,
        _args: &Bound<'_, PyTuple>,
        _kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        // (tag name or None, class flags), set by GTag.__init_subclass__
        let (tag, flags): (Option<String>, u16) = match cls.getattr("_htag_meta") {
            Ok(meta) => meta.extract()?,
            Err(_) => (None, 0),
        };
        let tag = tag.unwrap_or_default();
        if !tag.is_empty() && !valid_tag_name(&tag) {
            return Err(PyValueError::new_err(format!("invalid tag name {tag:?}")));
        }
        let form = matches!(tag.as_str(), "input" | "textarea" | "select");
        Ok(Node {
            tag: intern::name(&tag),
            num: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            given_id: None,
            attrs: Vec::new(),
            children: Vec::new(),
            parent: None,
            cache: None,
            flags: flags | if form { F_FORM } else { 0 },
            sent: None,
        })
    }

    /// The constructor of plain tag classes (`Tag.div(...)`): children that are
    /// strings or numbers and static `_attr` kwargs are handled here; anything
    /// else goes to the general Python constructor.
    #[pyo3(signature = (*args, **kwargs))]
    fn _fast_init(
        slf: &Bound<'_, Self>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        let py = slf.py();
        let simple_kwargs = kwargs.is_none_or(|kw| {
            kw.iter().all(|(k, v)| {
                k.cast::<PyString>()
                    .ok()
                    .and_then(|k| k.to_str().ok().map(|k| k.len() > 1 && k.starts_with('_')))
                    .unwrap_or(false)
                    && simple_value(&v)
            })
        });
        if !simple_kwargs || !args.iter().all(|a| simple_value(&a)) {
            hooks::get(py)?
                .slow_init
                .bind(py)
                .call1((slf, args, kwargs))?;
            return Ok(());
        }
        let mut attrs = Vec::new();
        let mut given_id = None;
        if let Some(kw) = kwargs {
            for (k, v) in kw.iter() {
                let name = k.cast::<PyString>()?.to_str()?[1..].replace('_', "-");
                if name == "id" {
                    given_id = Some(Arc::from(v.str()?.to_str()?));
                    continue;
                }
                if !valid_attr_name(&name) {
                    return Err(PyValueError::new_err(format!(
                        "invalid attribute name {name:?}"
                    )));
                }
                if let Some(a) = to_attr(&v)? {
                    attrs.push((intern::name(&name), a));
                }
            }
        }
        let mut children = Vec::with_capacity(args.len());
        let html = hooks::html_type(py)?;
        for a in args.iter() {
            if a.is_none() {
                continue;
            }
            let text: Arc<str> = Arc::from(a.str()?.to_str()?);
            children.push(if a.is_instance(html)? {
                Child::Raw(text)
            } else {
                Child::Text(text)
            });
        }
        {
            let mut me = slf.borrow_mut();
            if given_id.is_some() {
                me.given_id = given_id;
            }
            attrs.shrink_to_fit();
            me.attrs = attrs;
            me.children = children;
        }
        let Some(parent) = context::top(py) else {
            return Ok(());
        };
        let parent = parent.bind(py);
        parent
            .borrow_mut()
            .children
            .push(Child::Node(slf.clone().unbind()));
        slf.borrow_mut().parent = Some(parent.clone().unbind());
        let top = invalidate(py, parent);
        let top_flags = top.bind(py).borrow().flags;
        if top_flags & F_APP != 0 && top_flags & F_BUILDING == 0 {
            hooks::get(py)?.attached.bind(py).call1((parent, slf))?;
        }
        Ok(())
    }

    fn __enter__(slf: &Bound<'_, Self>) -> Py<Node> {
        context::push(Some(slf.clone().unbind()));
        slf.clone().unbind()
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(slf: &Bound<'_, Self>, _exc: &Bound<'_, PyTuple>) {
        context::pop();
        let mut me = slf.borrow_mut();
        me.children.shrink_to_fit();
        me.compact(slf.py());
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        if let Some(p) = &self.parent {
            visit.call(p)?;
        }
        for c in &self.children {
            match c {
                Child::Node(n) => visit.call(n)?,
                Child::Dynamic(o) => visit.call(o)?,
                Child::Leaf(l) => visit.call(&l.class)?,
                _ => {}
            }
        }
        for (_, a) in &self.attrs {
            if let Attr::Dynamic(o) = a {
                visit.call(o)?;
            }
        }
        Ok(())
    }

    fn __clear__(&mut self) {
        self.sent = None;
        self.parent = None;
        self.children.clear();
        self.attrs.clear();
    }

    /// The element name (`""` for a fragment).
    #[getter]
    fn tag(&self) -> &str {
        &self.tag
    }

    #[setter(tag)]
    fn set_tag(slf: &Bound<'_, Self>, name: &str) -> PyResult<()> {
        if !name.is_empty() && !valid_tag_name(name) {
            return Err(PyValueError::new_err(format!("invalid tag name {name:?}")));
        }
        slf.borrow_mut().tag = intern::name(name);
        invalidate(slf.py(), slf);
        Ok(())
    }

    /// The internal id (the `id` attribute unless the user set another one).
    #[getter(_hid)]
    fn hid(&self) -> String {
        self.hid_string()
    }

    #[setter(_hid)]
    fn set_hid(slf: &Bound<'_, Self>, value: &str) -> PyResult<()> {
        if value.is_empty() {
            return Err(PyValueError::new_err("an id cannot be empty"));
        }
        slf.borrow_mut().given_id = Some(Arc::from(value));
        invalidate(slf.py(), slf);
        Ok(())
    }

    #[getter(_is_app)]
    fn get_is_app(&self) -> bool {
        self.flags & F_APP != 0
    }

    #[setter(_is_app)]
    fn set_is_app(&mut self, v: bool) {
        self.set_flag(F_APP, v);
    }

    #[getter(_building)]
    fn get_building(&self) -> bool {
        self.flags & F_BUILDING != 0
    }

    #[setter(_building)]
    fn set_building(&mut self, v: bool) {
        self.set_flag(F_BUILDING, v);
    }

    #[getter(_flags)]
    fn get_flags(&self) -> u16 {
        self.flags
    }

    /// Marks this instance as having events / lambdas / extra htag state.
    fn _mark(&mut self, flags: u16) {
        self.flags |= flags;
    }

    /// The nodes of this subtree that mounting must look at (see F_MOUNT_MASK).
    fn _mount_walk(slf: &Bound<'_, Self>) -> Vec<Py<Node>> {
        let py = slf.py();
        let mut out = Vec::new();
        let mut stack: Vec<Py<Node>> = vec![slf.clone().unbind()];
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

    /// A descendant (or self) by internal id or by its `id` attribute.
    fn _find(slf: &Bound<'_, Self>, id: &str) -> PyResult<Option<Py<Node>>> {
        let py = slf.py();
        let mut stack: Vec<Py<Node>> = vec![slf.clone().unbind()];
        while let Some(n) = stack.pop() {
            let mut leaf_at = None;
            let found = {
                let b = n.bind(py).borrow();
                for (i, c) in b.children.iter().enumerate() {
                    match c {
                        Child::Node(k) => stack.push(k.clone_ref(py)),
                        Child::Leaf(l) if leaf_at.is_none() && l.view().has_id(id) => {
                            leaf_at = Some(i)
                        }
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

    #[getter]
    fn parent(&self, py: Python<'_>) -> Option<Py<Node>> {
        self.parent.as_ref().map(|p| p.clone_ref(py))
    }

    /// Sets the parent link without listing the node among the parent's
    /// children: used for tags produced by reactive lambdas.
    fn _adopt(&mut self, parent: Option<Py<Node>>) {
        self.parent = parent;
    }

    /// The topmost ancestor (or self).
    fn _top(slf: &Bound<'_, Self>) -> Py<Node> {
        let py = slf.py();
        let mut cur: Py<Node> = slf.clone().unbind();
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

    /// The App this node is mounted in, or None.
    #[getter]
    fn root(slf: &Bound<'_, Self>) -> Option<Py<Node>> {
        let top = Self::_top(slf);
        let is_app = top.bind(slf.py()).borrow().flags & F_APP != 0;
        is_app.then_some(top)
    }

    /// Ancestors from the parent up to the top.
    fn _ancestors(&self, py: Python<'_>) -> Vec<Py<Node>> {
        let mut out = Vec::new();
        let mut cur = self.parent.as_ref().map(|p| p.clone_ref(py));
        while let Some(p) = cur {
            cur = p.bind(py).borrow().parent.as_ref().map(|q| q.clone_ref(py));
            out.push(p);
        }
        out
    }

    /// The client's copy of this node (with `itself`, after an attribute patch) and
    /// of every ancestor just changed: their recorded hashes no longer describe it.
    #[pyo3(signature = (itself = false))]
    fn _forget_sent(&mut self, py: Python<'_>, itself: bool) {
        if let (true, Some(sent)) = (itself, self.sent.as_mut()) {
            sent.hash = 0;
        }
        let mut cur = self.parent.as_ref().map(|p| p.clone_ref(py));
        while let Some(p) = cur {
            let mut b = p.bind(py).borrow_mut();
            if let Some(sent) = b.sent.as_mut() {
                sent.hash = 0;
            }
            cur = b.parent.as_ref().map(|q| q.clone_ref(py));
        }
    }

    /// This node and every descendant node, preorder, without recursion.
    fn _walk(slf: &Bound<'_, Self>) -> Vec<Py<Node>> {
        let py = slf.py();
        let mut out = Vec::new();
        let mut stack: Vec<Py<Node>> = vec![slf.clone().unbind()];
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
            if slf
                .borrow()
                ._ancestors(py)
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
        let mut s = String::new();
        for c in &self.children {
            if let Child::Text(t) | Child::Raw(t) = c {
                s.push_str(t);
            }
        }
        s
    }

    fn _set_attr(slf: &Bound<'_, Self>, name: &str, value: &Bound<'_, PyAny>) -> PyResult<()> {
        if !valid_attr_name(name) {
            return Err(PyValueError::new_err(format!(
                "invalid attribute name {name:?}"
            )));
        }
        let attr = to_attr(value)?;
        {
            let mut me = slf.borrow_mut();
            let idx = me.attr_index(name);
            // One reactive value replacing another leaves the client with what it was
            // last sent: keep that record so an identical result sends no op.
            let still_reactive = matches!(attr, Some(Attr::Dynamic(_)))
                && idx.is_some_and(|i| matches!(me.attrs[i].1, Attr::Dynamic(_)));
            match (idx, attr) {
                (Some(i), Some(a)) => me.attrs[i].1 = a,
                (Some(i), None) => {
                    me.attrs.remove(i);
                }
                (None, Some(a)) => {
                    me.attrs.reserve_exact(1);
                    me.attrs.push((intern::name(name), a))
                }
                (None, None) => return Ok(()),
            }
            if !still_reactive {
                if let Some(sent) = me.sent.as_mut() {
                    sent.attrs.retain(|(n, _)| &**n != name);
                }
            }
        }
        invalidate(slf.py(), slf);
        Ok(())
    }

    /// The stored value: str, True, a reactive object, or None when absent.
    fn _get_attr(&self, py: Python<'_>, name: &str) -> Option<Py<PyAny>> {
        let i = self.attr_index(name)?;
        Some(match &self.attrs[i].1 {
            Attr::Text(s) => PyString::new(py, s).into_any().unbind(),
            Attr::Flag => PyBool::new(py, true).to_owned().into_any().unbind(),
            Attr::Dynamic(o) => o.clone_ref(py),
        })
    }

    fn _del_attr(slf: &Bound<'_, Self>, name: &str) -> bool {
        let removed = {
            let mut me = slf.borrow_mut();
            match me.attr_index(name) {
                Some(i) => {
                    me.attrs.remove(i);
                    true
                }
                None => false,
            }
        };
        if removed {
            invalidate(slf.py(), slf);
        }
        removed
    }

    /// (has reactive children, has reactive attributes)
    fn _reactivity(&self) -> (bool, bool) {
        (self.has_dynamic_children(), self.has_dynamic_attrs())
    }

    fn _invalidate(slf: &Bound<'_, Self>) {
        invalidate(slf.py(), slf);
    }

    /// HTML of this subtree, for `str(tag)` (records nothing about the client).
    fn _render(slf: &Bound<'_, Self>) -> PyResult<String> {
        crate::render::render_to_string(slf, false)
    }

    /// HTML without ids, for statics.
    fn _render_bare(slf: &Bound<'_, Self>) -> PyResult<String> {
        crate::render::render_bare(slf)
    }

    /// HTML of this subtree as sent to the client, and whether it differs from
    /// what the client was last sent for this node.
    fn _render_client(slf: &Bound<'_, Self>) -> PyResult<(String, bool)> {
        crate::render::render_for_client(slf)
    }

    /// Reactive attributes whose value differs from what the client has:
    /// a list of (name, value or None when absent now).
    fn _changed_dynamic_attrs(slf: &Bound<'_, Self>) -> PyResult<Vec<(String, Option<String>)>> {
        crate::render::changed_dynamic_attrs(slf)
    }

    /// The rendered value of one attribute (None when absent).
    fn _render_attr(slf: &Bound<'_, Self>, name: &str) -> PyResult<Option<String>> {
        let value = slf.borrow()._get_attr(slf.py(), name);
        match value {
            None => Ok(None),
            Some(v) => crate::render::attr_value(slf, v.bind(slf.py())),
        }
    }

    fn __copy__(&self) -> PyResult<()> {
        Err(PyTypeError::new_err("tags cannot be copied"))
    }
}
