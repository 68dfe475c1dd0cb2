//! The rendering entry points (the work is in render/).

use pyo3::prelude::*;

use crate::render;
use crate::tree::Node;

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
}
