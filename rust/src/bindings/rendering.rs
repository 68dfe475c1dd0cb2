//! The rendering entry points (the work is in render/).

use pyo3::prelude::*;

use super::convert::attr_to_py;
use crate::render;
use crate::tree::{walk, Node};

#[pymethods]
impl Node {
    /// HTML of this subtree, for `str(tag)` (records nothing about the client).
    fn _render(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::render_to_string(slf)
    }

    /// HTML without ids, for statics.
    fn _render_bare(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::render_bare(slf)
    }

    /// HTML of this subtree as sent to the client, and whether it differs from
    /// what the client was last sent for this node.
    fn _render_client(slf: &Bound<'_, Self>) -> PyResult<(String, bool)> {
        render::render_for_client(slf)
    }

    /// What a frame carries for this subtree: (its id, its HTML) when the render
    /// differs from what the client has (and then what its ancestors were sent no
    /// longer describes them), else None. One call for the whole step of a diff.
    fn _render_update(slf: &Bound<'_, Self>) -> PyResult<Option<(String, String)>> {
        let (html, changed) = render::render_for_client(slf)?;
        if !changed {
            return Ok(None);
        }
        let mut me = slf.borrow_mut();
        walk::forget_sent(slf.py(), &mut me, false);
        Ok(Some((me.hid_string(), html)))
    }

    /// Reactive attributes whose value differs from what the client has:
    /// a list of (name, value or None when absent now).
    fn _changed_dynamic_attrs(slf: &Bound<'_, Self>) -> PyResult<Vec<(String, Option<String>)>> {
        render::changed_dynamic_attrs(slf)
    }

    /// The rendered value of one attribute (None when absent).
    fn _render_attr(slf: &Bound<'_, Self>, name: &str) -> PyResult<Option<String>> {
        let py = slf.py();
        let value = {
            let me = slf.borrow();
            match me.attr_index(name) {
                None => return Ok(None),
                Some(i) => attr_to_py(py, &me.attrs[i].1),
            }
        };
        render::attr_value(slf, value.bind(py))
    }
}
