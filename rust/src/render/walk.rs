//! The render walk: a subtree to HTML, using and filling the caches of static
//! subtrees, and recording what the client was sent for reactive nodes.

use std::sync::Arc;

use pyo3::exceptions::PyRecursionError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString};

use super::markup::{
    close_tag, hash_str, is_void, leaf_rest, open_tag, push_attr_pair, push_content, push_plain,
    raw_text_tag,
};
use super::values::{attr_value, state_text};
use crate::hooks;
use crate::tree::{Child, Node};

/// Deep enough for any real page, shallow enough for any thread's stack.
const MAX_DEPTH: usize = 4000;

pub struct Renderer<'py> {
    pub py: Python<'py>,
    pub out: String,
    /// Client renders record reactive output so later diffs compare with it.
    pub record: bool,
    /// Statics render without ids (and bypass caches, which hold ids).
    pub ids: bool,
}

impl<'py> Renderer<'py> {
    /// Renders `node` into `out`; returns whether its subtree is static.
    ///
    /// Static parts are written while the node is borrowed; reactive parts call
    /// Python, so they are evaluated from a snapshot with no borrow held (user
    /// code may touch the tree while it renders).
    pub fn node(&mut self, node: &Bound<'py, Node>, depth: usize) -> PyResult<bool> {
        if depth > MAX_DEPTH {
            return Err(PyRecursionError::new_err(format!(
                "tag tree deeper than {MAX_DEPTH} levels"
            )));
        }
        let py = self.py;
        let start = self.out.len();
        let (tag, dynamic_attrs, kids, tracked, opened) = {
            let b = node.borrow();
            if let (true, Some(c)) = (self.ids, &b.cache) {
                self.out.push_str(c);
                return Ok(true);
            }
            let dynamic_attrs = b.dynamic_attrs(py);
            if !b.tag.is_empty() {
                open_tag(&mut self.out, &b.view(), self.ids);
            }
            if dynamic_attrs.is_empty() && b.children.iter().all(Child::is_plain_data) {
                // the common case: no reactive part, no child Python object (texts and
                // leaves are plain data), so nothing to snapshot
                leaf_rest(&mut self.out, &b.view(), self.ids);
                let tracked = b.sent.is_some();
                drop(b);
                if tracked && self.record {
                    node.borrow_mut().sent_mut().hash = hash_str(&self.out[start..]);
                }
                return Ok(true);
            }
            // with no attribute to evaluate first, the plain children before the first
            // live one (a row's static cells before its reactive one) go out now: only
            // the rest is snapshot (a leaf's copy is an allocation)
            let leading = if dynamic_attrs.is_empty() && !is_void(&b.tag) {
                if !b.tag.is_empty() {
                    self.out.push('>');
                }
                let raw = raw_text_tag(&b.tag);
                let plain = b.children.iter().take_while(|c| c.is_plain_data()).count();
                for kid in &b.children[..plain] {
                    push_plain(&mut self.out, kid, raw, self.ids);
                }
                Some(plain)
            } else {
                None
            };
            let rest = &b.children[leading.unwrap_or(0)..];
            let kids: Vec<Child> = rest.iter().map(|c| c.clone_ref(py)).collect();
            (
                b.tag.clone(),
                dynamic_attrs,
                kids,
                b.sent.is_some(),
                leading.is_some(),
            )
        };
        let mut is_static = dynamic_attrs.is_empty();
        if !tag.is_empty() && !opened {
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
                Child::Text(_) | Child::Raw(_) | Child::Leaf(_) => {
                    push_plain(&mut self.out, kid, raw, self.ids);
                }
                Child::Node(n) => {
                    has_node_children = true;
                    is_static &= self.node(n.bind(py), depth + 1)?;
                }
                Child::Dynamic(o) => {
                    is_static = false;
                    has_dynamic_children = true;
                    if let Some(text) = state_text(node, o.bind(py))? {
                        push_content(&mut self.out, &text, raw);
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
                            push_content(&mut self.out, item.str()?.to_str()?, raw);
                        }
                    }
                }
            }
        }
        close_tag(&mut self.out, &tag);
        if is_static && has_node_children && self.ids {
            self.cache(node, start);
        } else if self.record && (has_dynamic_children || tracked) {
            // a node that lost its reactive children still has a record: it must follow
            node.borrow_mut().sent_mut().hash = hash_str(&self.out[start..]);
        }
        Ok(is_static)
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
}
