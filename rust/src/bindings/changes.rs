//! How a tag tells its App that it changed: the observer side of a `State`
//! (`state.notify()` calls `tag.state_changed(state)`), in one call without a lock
//! (see changes.rs).

use pyo3::intern;
use pyo3::prelude::*;

use crate::changes::Changes;
use crate::tree::flags::F_APP;
use crate::tree::{walk, Node};

/// The change tracker of the App `node` is mounted in, if any: the App's `_engine`.
fn tracker_of<'py>(node: &Bound<'py, Node>) -> PyResult<Option<Bound<'py, Changes>>> {
    let py = node.py();
    let top = walk::top(node).into_bound(py);
    if top.borrow().flags & F_APP == 0 {
        return Ok(None);
    }
    let engine = top.getattr(intern!(py, "_engine"))?;
    Ok(Some(engine.cast_into::<Changes>()?))
}

#[pymethods]
impl Node {
    /// A State this tag's content read has changed: the tag is rendered again.
    fn state_changed(slf: &Bound<'_, Self>, _state: &Bound<'_, PyAny>) -> PyResult<()> {
        match tracker_of(slf)? {
            Some(changes) => Changes::content_changed_of(&changes, slf),
            None => Ok(()),
        }
    }

    /// A State one of this tag's reactive attributes read has changed.
    fn _attrs_changed(slf: &Bound<'_, Self>) -> PyResult<()> {
        match tracker_of(slf)? {
            Some(changes) => Changes::attr_changed_of(&changes, slf, None),
            None => Ok(()),
        }
    }
}
