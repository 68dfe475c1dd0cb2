//! Rendering a subtree to HTML, with cached HTML for static subtrees and a
//! record of what the client was sent (for diffing reactive nodes).

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use pyo3::exceptions::PyRecursionError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt, PyList, PyString, PyWeakrefReference};

use crate::escape::{push_attr, push_raw_text, push_text};
use crate::hooks;
use crate::node::{Attr, Child, Node, TagView, F_EXTRA};

/// Deep enough for any real page, shallow enough for any thread's stack.
const MAX_DEPTH: usize = 4000;

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

pub fn is_void(tag: &str) -> bool {
    VOID.contains(&tag)
}

fn raw_text_tag(tag: &str) -> Option<&'static str> {
    match tag {
        "script" => Some("script"),
        "style" => Some("style"),
        _ => None,
    }
}

pub fn hash_str(s: &str) -> u64 {
    let mut h = DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

/// A resolved attribute value: None when absent, "" for a bare boolean attribute.
pub fn attr_value(node: &Bound<'_, Node>, value: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    let py = node.py();
    let mut resolved = value.clone();
    if resolved.is_callable() {
        resolved = hooks::get(py)?.resolve_attr.bind(py).call1((node, value))?;
    }
    if resolved.is_none() {
        return Ok(None);
    }
    if let Ok(b) = resolved.cast::<PyBool>() {
        return Ok(b.is_true().then(String::new));
    }
    if let Ok(s) = resolved.cast::<PyString>() {
        return Ok(Some(s.to_str()?.to_owned()));
    }
    Ok(Some(resolved.str()?.to_str()?.to_owned()))
}

fn push_attr_pair(out: &mut String, name: &str, value: &Option<String>) {
    if let Some(v) = value {
        out.push(' ');
        out.push_str(name);
        if !v.is_empty() {
            out.push_str("=\"");
            push_attr(out, v);
            out.push('"');
        }
    }
}

struct Renderer<'py> {
    py: Python<'py>,
    out: String,
    /// Client renders record reactive output so later diffs compare with it.
    record: bool,
    /// Statics render without ids (and bypass caches, which hold ids).
    ids: bool,
}

impl<'py> Renderer<'py> {
    /// Renders `node` into `out`; returns whether its subtree is static.
    ///
    /// Static parts are written while the node is borrowed; reactive parts call
    /// Python, so they are evaluated from a snapshot with no borrow held (user
    /// code may touch the tree while it renders).
    fn node(&mut self, node: &Bound<'py, Node>, depth: usize) -> PyResult<bool> {
        if depth > MAX_DEPTH {
            return Err(PyRecursionError::new_err(format!(
                "tag tree deeper than {MAX_DEPTH} levels"
            )));
        }
        let py = self.py;
        let start = self.out.len();
        let (tag, dynamic_attrs, kids, tracked) = {
            let b = node.borrow();
            if let (true, Some(c)) = (self.ids, &b.cache) {
                self.out.push_str(c);
                return Ok(true);
            }
            let dynamic_attrs = b.dynamic_attrs(py);
            if !b.tag.is_empty() {
                self.open_tag(&b.view());
            }
            let leaf = b
                .children
                .iter()
                .all(|c| matches!(c, Child::Text(_) | Child::Raw(_)));
            if leaf && dynamic_attrs.is_empty() {
                // the common case: no reactive part, no child tag, nothing to snapshot
                self.leaf_rest(&b.view());
                let tracked = b.sent.is_some();
                drop(b);
                if tracked && self.record {
                    node.borrow_mut().sent_mut().hash = hash_str(&self.out[start..]);
                }
                return Ok(true);
            }
            let kids: Vec<Child> = b.children.iter().map(|c| c.clone_ref(py)).collect();
            (b.tag.clone(), dynamic_attrs, kids, b.sent.is_some())
        };
        let mut is_static = dynamic_attrs.is_empty();
        if !tag.is_empty() {
            if !dynamic_attrs.is_empty() {
                let mut values = Vec::with_capacity(dynamic_attrs.len());
                for (name, obj) in dynamic_attrs {
                    let v = attr_value(node, obj.bind(py))?;
                    push_attr_pair(&mut self.out, &name, &v);
                    values.push((name, v));
                }
                if self.record {
                    node.borrow_mut().sent_mut().attrs = values;
                }
            }
            self.out.push('>');
            if is_void(&tag) {
                return Ok(is_static);
            }
        }
        let raw = raw_text_tag(&tag);
        let mut has_dynamic_children = false;
        let mut has_node_children = false;
        for kid in &kids {
            match kid {
                Child::Text(s) => self.text(s, raw),
                Child::Raw(s) => self.out.push_str(s),
                Child::Node(n) => {
                    has_node_children = true;
                    is_static &= self.node(n.bind(py), depth + 1)?;
                }
                Child::Leaf(l) => {
                    let view = l.view();
                    if !view.tag.is_empty() {
                        self.open_tag(&view);
                    }
                    self.leaf_rest(&view);
                }
                Child::Dynamic(o) => {
                    is_static = false;
                    has_dynamic_children = true;
                    if let Some(text) = state_text(node, o.bind(py))? {
                        self.text(&text, raw);
                        continue;
                    }
                    let items = hooks::get(py)?.resolve_child.bind(py).call1((node, o))?;
                    let items = items.cast::<PyList>()?;
                    for item in items.iter() {
                        if let Ok(n) = item.cast::<Node>() {
                            self.node(n, depth + 1)?;
                        } else if item.is_instance(hooks::html_type(py)?)? {
                            self.out.push_str(item.cast::<PyString>()?.to_str()?);
                        } else {
                            self.text(item.str()?.to_str()?, raw);
                        }
                    }
                }
            }
        }
        self.close_tag(&tag);
        if is_static && has_node_children && self.ids {
            self.cache(node, start);
        } else if self.record && (has_dynamic_children || tracked) {
            // a node that lost its reactive children still has a record: it must follow
            node.borrow_mut().sent_mut().hash = hash_str(&self.out[start..]);
        }
        Ok(is_static)
    }

    /// `<tag id="..." attr="..."` (static attributes only; no `>`).
    fn open_tag(&mut self, b: &TagView<'_>) {
        self.out.push('<');
        self.out.push_str(b.tag);
        if self.ids {
            let user_id = b.attrs.iter().any(|(n, _)| &**n == "id");
            self.out.push_str(if user_id {
                " data-htag-id=\""
            } else {
                " id=\""
            });
            match b.given_id {
                Some(id) => push_attr(&mut self.out, id),
                None => crate::intern::push_auto_id(&mut self.out, b.num),
            }
            self.out.push('"');
        }
        for (name, a) in b.attrs {
            match a {
                Attr::Text(v) => {
                    self.out.push(' ');
                    self.out.push_str(name);
                    self.out.push_str("=\"");
                    push_attr(&mut self.out, &v[..]);
                    self.out.push('"');
                }
                Attr::Flag => {
                    self.out.push(' ');
                    self.out.push_str(name);
                }
                Attr::Dynamic(_) => {}
            }
        }
    }

    /// After `open_tag` of a static leaf: `>`, its text, its closing tag.
    fn leaf_rest(&mut self, b: &TagView<'_>) {
        if !b.tag.is_empty() {
            self.out.push('>');
            if is_void(b.tag) {
                return;
            }
        }
        let raw = raw_text_tag(b.tag);
        for kid in b.children {
            match kid {
                Child::Text(s) => self.text(&s[..], raw),
                Child::Raw(s) => self.out.push_str(&s[..]),
                _ => {}
            }
        }
        if let Some(t) = b.text {
            self.text(t, raw);
        }
        self.close_tag(b.tag);
    }

    fn close_tag(&mut self, tag: &str) {
        if !tag.is_empty() {
            self.out.push_str("</");
            self.out.push_str(tag);
            self.out.push('>');
        }
    }

    /// Keeps the HTML of a static subtree on its topmost node only: the
    /// children's copies go.
    fn cache(&mut self, node: &Bound<'py, Node>, start: usize) {
        let mut me = node.borrow_mut();
        for c in &me.children {
            if let Child::Node(k) = c {
                k.bind(self.py).borrow_mut().cache = None;
            }
        }
        me.cache = Some(Arc::from(&self.out[start..]));
    }

    fn text(&mut self, s: &str, raw: Option<&str>) {
        match raw {
            Some(t) => push_raw_text(&mut self.out, s, t),
            None => push_text(&mut self.out, s),
        }
    }
}

/// The fast path of `_resolve_child` in tag.py for the most common reactive
/// child, a `State` holding a str or a number: registers the tag as a dependent
/// of the State (`_dependents[id(tag)] = weakref(tag)`) and returns its text,
/// without a Python call. None: take the general path.
fn state_text(node: &Bound<'_, Node>, obj: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    let py = node.py();
    if !obj.get_type().is(hooks::get(py)?.state_type.bind(py)) || node.borrow().flags & F_EXTRA != 0
    {
        return Ok(None);
    }
    let value = obj.getattr(intern!(py, "_value"))?;
    let text = if let Ok(s) = value.cast::<PyString>() {
        s.to_str()?.to_owned()
    } else if value.is_instance_of::<PyInt>() || value.is_instance_of::<PyFloat>() {
        value.str()?.to_str()?.to_owned()
    } else {
        return Ok(None);
    };
    let dependents = obj.getattr(intern!(py, "_dependents"))?;
    dependents.set_item(node.as_ptr() as usize, PyWeakrefReference::new(node)?)?;
    Ok(Some(text))
}

pub fn render_to_string(node: &Bound<'_, Node>, record: bool) -> PyResult<String> {
    render_with(node, record, true)
}

/// Renders without ids: statics, whose identity is their content.
pub fn render_bare(node: &Bound<'_, Node>) -> PyResult<String> {
    render_with(node, false, false)
}

fn render_with(node: &Bound<'_, Node>, record: bool, ids: bool) -> PyResult<String> {
    let mut r = Renderer {
        py: node.py(),
        out: String::new(),
        record,
        ids,
    };
    r.node(node, 0)?;
    Ok(r.out)
}

/// Renders for the client; `changed` is false only for a reactive node whose
/// output equals what the client already has.
pub fn render_for_client(node: &Bound<'_, Node>) -> PyResult<(String, bool)> {
    let (before, reactive) = {
        let b = node.borrow();
        (
            b.sent.as_ref().map_or(0, |s| s.hash),
            b.has_dynamic_children(),
        )
    };
    let html = render_to_string(node, true)?; // records the new hash (see Renderer::node)
    let changed = !reactive || before != hash_str(&html);
    Ok((html, changed))
}

pub fn changed_dynamic_attrs(node: &Bound<'_, Node>) -> PyResult<Vec<(String, Option<String>)>> {
    let py = node.py();
    let dynamic = node.borrow().dynamic_attrs(py);
    let mut values = Vec::with_capacity(dynamic.len());
    for (name, obj) in &dynamic {
        values.push((name.clone(), attr_value(node, obj.bind(py))?));
    }
    let mut me = node.borrow_mut();
    let changed = values
        .iter()
        .filter(|(n, v)| {
            !me.sent
                .as_ref()
                .is_some_and(|s| s.attrs.iter().any(|(sn, sv)| sn == n && sv == v))
        })
        .map(|(n, v)| (n.to_string(), v.clone()))
        .collect();
    me.sent_mut().attrs = values;
    Ok(changed)
}
