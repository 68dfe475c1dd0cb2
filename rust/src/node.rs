//! The tag tree: one `Node` per tag, subclassed by the Python `Tag` classes.
//!
//! Structure (name, attributes, children, parent) lives here so that rendering
//! never walks Python dicts; Python only sees thin methods. Reactive pieces
//! (callables, `State`s) are stored as Python objects and resolved at render time.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::gc::PyVisit;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyList, PyString, PyTuple, PyType};
use pyo3::PyTraverseError;

use crate::escape::{valid_attr_name, valid_tag_name};
use crate::hooks;

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
}

impl Child {
    pub fn clone_ref(&self, py: Python<'_>) -> Child {
        match self {
            Child::Text(s) => Child::Text(s.clone()),
            Child::Raw(s) => Child::Raw(s.clone()),
            Child::Node(n) => Child::Node(n.clone_ref(py)),
            Child::Dynamic(o) => Child::Dynamic(o.clone_ref(py)),
        }
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn fresh_id() -> Arc<str> {
    let mut n = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let mut s = String::from("h");
    let digits = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut buf = [0u8; 16];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = digits[(n % 36) as usize];
        n /= 36;
        if n == 0 {
            break;
        }
    }
    s.push_str(std::str::from_utf8(&buf[i..]).unwrap_or("0"));
    Arc::from(s)
}

#[pyclass(subclass, dict, weakref, module = "htag._core")]
pub struct Node {
    /// Element name; empty for a fragment (renders its children only).
    pub tag: Arc<str>,
    /// Internal id, the key of the App's event index.
    pub hid: Arc<str>,
    pub attrs: Vec<(Arc<str>, Attr)>,
    pub children: Vec<Child>,
    pub parent: Option<Py<Node>>,
    /// HTML of this subtree, kept while the subtree has no reactive content
    /// and nothing inside it changed.
    pub cache: Option<Arc<str>>,
    pub is_app: bool,
    /// Hash of the last HTML sent to the client for this node (nodes with reactive children).
    pub sent_hash: u64,
    /// Values of reactive attributes as last sent to the client.
    pub sent_attrs: Vec<(Arc<str>, Option<String>)>,
}

impl Node {
    pub fn has_dynamic_children(&self) -> bool {
        self.children.iter().any(|c| matches!(c, Child::Dynamic(_)))
    }
    pub fn has_dynamic_attrs(&self) -> bool {
        self.attrs.iter().any(|(_, a)| matches!(a, Attr::Dynamic(_)))
    }
    fn attr_index(&self, name: &str) -> Option<usize> {
        self.attrs.iter().position(|(n, _)| &**n == name)
    }
}

/// Clears cached HTML of `node` and of its ancestors. Stops at the first node
/// without a cache: a cached node implies cached descendants, so nothing above it has one.
pub fn invalidate(py: Python<'_>, node: &Bound<'_, Node>) {
    let mut current = {
        let mut me = node.borrow_mut();
        me.cache = None;
        me.parent.as_ref().map(|p| p.clone_ref(py))
    };
    while let Some(p) = current {
        let bound = p.bind(py);
        let mut b = bound.borrow_mut();
        if b.cache.is_none() {
            break;
        }
        b.cache = None;
        current = b.parent.as_ref().map(|p| p.clone_ref(py));
    }
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
        return Ok(Some(Attr::Text(Arc::from(s.to_str()?))));
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
        let tag: Arc<str> = match cls.getattr("_htag_tag") {
            Ok(t) if !t.is_none() => Arc::from(t.cast::<PyString>()?.to_str()?),
            _ => Arc::from(""),
        };
        if !tag.is_empty() && !valid_tag_name(&tag) {
            return Err(PyValueError::new_err(format!("invalid tag name {tag:?}")));
        }
        Ok(Node {
            tag,
            hid: fresh_id(),
            attrs: Vec::new(),
            children: Vec::new(),
            parent: None,
            cache: None,
            is_app: false,
            sent_hash: 0,
            sent_attrs: Vec::new(),
        })
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        if let Some(p) = &self.parent {
            visit.call(p)?;
        }
        for c in &self.children {
            match c {
                Child::Node(n) => visit.call(n)?,
                Child::Dynamic(o) => visit.call(o)?,
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
        slf.borrow_mut().tag = Arc::from(name);
        invalidate(slf.py(), slf);
        Ok(())
    }

    /// The internal id (the `id` attribute unless the user set another one).
    #[getter(_hid)]
    fn hid(&self) -> &str {
        &self.hid
    }

    #[setter(_hid)]
    fn set_hid(slf: &Bound<'_, Self>, value: &str) -> PyResult<()> {
        if value.is_empty() {
            return Err(PyValueError::new_err("an id cannot be empty"));
        }
        slf.borrow_mut().hid = Arc::from(value);
        invalidate(slf.py(), slf);
        Ok(())
    }

    #[getter(_is_app)]
    fn get_is_app(&self) -> bool {
        self.is_app
    }

    #[setter(_is_app)]
    fn set_is_app(&mut self, v: bool) {
        self.is_app = v;
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
            let next = cur.bind(py).borrow().parent.as_ref().map(|p| p.clone_ref(py));
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
        let is_app = top.bind(slf.py()).borrow().is_app;
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
            if slf.borrow()._ancestors(py).iter().any(|a| a.bind(py).is(node)) {
                return Err(PyValueError::new_err("a tag cannot contain one of its ancestors"));
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
    fn childs(&self, py: Python<'_>) -> PyResult<Vec<Py<PyAny>>> {
        self.children.iter().map(|c| child_to_py(py, c)).collect()
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
            return Err(PyValueError::new_err(format!("invalid attribute name {name:?}")));
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
                (None, Some(a)) => me.attrs.push((Arc::from(name), a)),
                (None, None) => return Ok(()),
            }
            if !still_reactive {
                me.sent_attrs.retain(|(n, _)| &**n != name);
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

    fn _attr_names(&self) -> Vec<String> {
        self.attrs.iter().map(|(n, _)| n.to_string()).collect()
    }

    /// (has reactive children, has reactive attributes)
    fn _reactivity(&self) -> (bool, bool) {
        (self.has_dynamic_children(), self.has_dynamic_attrs())
    }

    fn _invalidate(slf: &Bound<'_, Self>) {
        invalidate(slf.py(), slf);
    }

    fn _is_cached(&self) -> bool {
        self.cache.is_some()
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
