//! Rendering a subtree to HTML, with cached HTML for static subtrees and a
//! record of what the client was sent (for diffing reactive nodes).

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use pyo3::exceptions::PyRecursionError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyList, PyString};

use crate::escape::{push_attr, push_raw_text, push_text};
use crate::hooks;
use crate::node::{Attr, Child, Node};

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

enum AttrSnap {
    Text(Arc<str>),
    Flag,
    Dynamic(Py<PyAny>),
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
    fn node(&mut self, node: &Bound<'py, Node>, depth: usize) -> PyResult<bool> {
        if depth > MAX_DEPTH {
            return Err(PyRecursionError::new_err(format!("tag tree deeper than {MAX_DEPTH} levels")));
        }
        let py = self.py;
        let (tag, hid, attrs, kids) = {
            let b = node.borrow();
            if let (true, Some(c)) = (self.ids, &b.cache) {
                self.out.push_str(c);
                return Ok(true);
            }
            let attrs: Vec<(Arc<str>, AttrSnap)> = b
                .attrs
                .iter()
                .map(|(n, a)| {
                    let snap = match a {
                        Attr::Text(s) => AttrSnap::Text(s.clone()),
                        Attr::Flag => AttrSnap::Flag,
                        Attr::Dynamic(o) => AttrSnap::Dynamic(o.clone_ref(py)),
                    };
                    (n.clone(), snap)
                })
                .collect();
            let kids: Vec<Child> = b.children.iter().map(|c| c.clone_ref(py)).collect();
            (b.tag.clone(), b.hid.clone(), attrs, kids)
        };
        let start = self.out.len();
        let mut is_static = true;
        let mut has_dynamic_children = false;
        if !tag.is_empty() {
            self.out.push('<');
            self.out.push_str(&tag);
            if self.ids {
                let user_id = attrs.iter().any(|(n, _)| &**n == "id");
                self.out.push_str(if user_id { " data-htag-id=\"" } else { " id=\"" });
                push_attr(&mut self.out, &hid);
                self.out.push('"');
            }
            let mut dynamic_values = Vec::new();
            for (name, a) in &attrs {
                match a {
                    AttrSnap::Text(v) => push_attr_pair(&mut self.out, name, &Some(v.to_string())),
                    AttrSnap::Flag => push_attr_pair(&mut self.out, name, &Some(String::new())),
                    AttrSnap::Dynamic(o) => {
                        is_static = false;
                        let v = attr_value(node, o.bind(py))?;
                        push_attr_pair(&mut self.out, name, &v);
                        dynamic_values.push((name.clone(), v));
                    }
                }
            }
            if self.record && !dynamic_values.is_empty() {
                node.borrow_mut().sent_attrs = dynamic_values;
            }
            self.out.push('>');
            if is_void(&tag) {
                return self.finish(node, start, is_static, false);
            }
        }
        let raw = raw_text_tag(&tag);
        for kid in &kids {
            match kid {
                Child::Text(s) => self.text(s, raw),
                Child::Raw(s) => self.out.push_str(s),
                Child::Node(n) => is_static &= self.node(n.bind(py), depth + 1)?,
                Child::Dynamic(o) => {
                    is_static = false;
                    has_dynamic_children = true;
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
        if !tag.is_empty() {
            self.out.push_str("</");
            self.out.push_str(&tag);
            self.out.push('>');
        }
        self.finish(node, start, is_static, has_dynamic_children)
    }

    fn text(&mut self, s: &str, raw: Option<&str>) {
        match raw {
            Some(t) => push_raw_text(&mut self.out, s, t),
            None => push_text(&mut self.out, s),
        }
    }

    fn finish(
        &mut self,
        node: &Bound<'py, Node>,
        start: usize,
        is_static: bool,
        has_dynamic_children: bool,
    ) -> PyResult<bool> {
        if is_static && self.ids {
            node.borrow_mut().cache = Some(Arc::from(&self.out[start..]));
        } else if self.record && has_dynamic_children {
            node.borrow_mut().sent_hash = hash_str(&self.out[start..]);
        }
        Ok(is_static)
    }
}

pub fn render_to_string(node: &Bound<'_, Node>, record: bool) -> PyResult<String> {
    render_with(node, record, true)
}

/// Renders without ids: statics, whose identity is their content.
pub fn render_bare(node: &Bound<'_, Node>) -> PyResult<String> {
    render_with(node, false, false)
}

fn render_with(node: &Bound<'_, Node>, record: bool, ids: bool) -> PyResult<String> {
    let mut r = Renderer { py: node.py(), out: String::new(), record, ids };
    r.node(node, 0)?;
    Ok(r.out)
}

/// Renders for the client; `changed` is false only for a reactive node whose
/// output equals what the client already has.
pub fn render_for_client(node: &Bound<'_, Node>) -> PyResult<(String, bool)> {
    let (before, reactive) = {
        let b = node.borrow();
        (b.sent_hash, b.has_dynamic_children())
    };
    let html = render_to_string(node, true)?;
    let changed = !reactive || before != hash_str(&html);
    Ok((html, changed))
}

pub fn changed_dynamic_attrs(node: &Bound<'_, Node>) -> PyResult<Vec<(String, Option<String>)>> {
    let py = node.py();
    let dynamic: Vec<(Arc<str>, Py<PyAny>)> = node
        .borrow()
        .attrs
        .iter()
        .filter_map(|(n, a)| match a {
            Attr::Dynamic(o) => Some((n.clone(), o.clone_ref(py))),
            _ => None,
        })
        .collect();
    let mut values = Vec::with_capacity(dynamic.len());
    for (name, obj) in &dynamic {
        values.push((name.clone(), attr_value(node, obj.bind(py))?));
    }
    let mut me = node.borrow_mut();
    let changed = values
        .iter()
        .filter(|(n, v)| !me.sent_attrs.iter().any(|(sn, sv)| sn == n && sv == v))
        .map(|(n, v)| (n.to_string(), v.clone()))
        .collect();
    me.sent_attrs = values;
    Ok(changed)
}
