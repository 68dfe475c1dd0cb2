//! Rendering a subtree to HTML, with cached HTML for static subtrees and a
//! record of what the client was sent (for diffing reactive nodes).
//! `markup` writes HTML pieces (pure Rust), `values` resolves reactive values,
//! `walk` is the tree walk; this file holds the entry points bindings/ calls.

mod markup;
mod values;
mod walk;

use pyo3::prelude::*;

use crate::tree::{walk as tree_walk, Attr, Node};
use markup::hash_str;
pub use markup::VOID;
pub use values::attr_value;
use walk::Renderer;

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

/// HTML of the subtree, with ids, using and filling caches; records nothing
/// about the client.
pub fn render_to_string(node: &Bound<'_, Node>) -> PyResult<String> {
    render_with(node, false, true)
}

/// Renders without ids: statics, whose identity is their content.
pub fn render_bare(node: &Bound<'_, Node>) -> PyResult<String> {
    render_with(node, false, false)
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
    let html = render_with(node, true, true)?; // records the new hash (see Renderer::node)
    let changed = !reactive || before != hash_str(&html);
    Ok((html, changed))
}

/// What a frame carries for this subtree: (its id, its HTML) when the render differs
/// from what the client has (and then what its ancestors were sent no longer
/// describes them), else None.
pub fn render_update(node: &Bound<'_, Node>) -> PyResult<Option<(String, String)>> {
    let (html, changed) = render_for_client(node)?;
    if !changed {
        return Ok(None);
    }
    let mut me = node.borrow_mut();
    tree_walk::forget_sent(node.py(), &mut me, false);
    Ok(Some((me.hid_string(), html)))
}

/// The rendered value of one attribute (None when absent, "" for a bare boolean).
pub fn render_attr(node: &Bound<'_, Node>, name: &str) -> PyResult<Option<String>> {
    let py = node.py();
    let dynamic = {
        let me = node.borrow();
        match me.attr_index(name).map(|i| &me.attrs[i].1) {
            None => return Ok(None),
            Some(Attr::Text(s)) => return Ok(Some(s.to_string())),
            Some(Attr::Flag) => return Ok(Some(String::new())),
            Some(Attr::Dynamic(o)) => o.clone_ref(py),
        }
    };
    attr_value(node, dynamic.bind(py))
}

/// Reactive attributes whose value differs from what the client has (and
/// records the new values as sent).
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
