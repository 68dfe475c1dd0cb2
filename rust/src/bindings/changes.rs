//! How a tag tells its App that it changed: the observer side of a `State`
//! (`state.notify()` calls `tag.state_changed(state)`), in one call without a lock
//! (see changes.rs), and `State.notify` itself.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyType, PyWeakrefReference};

use crate::changes::Changes;
use crate::hooks::state_contract;
use crate::tree::flags::F_APP;
use crate::tree::{walk, Node};

/// Tells every live observer of `state` that its value changed (`State.notify`):
/// on a snapshot, so observers may (un)register meanwhile; dead ones are dropped;
/// every observer is told even if one raises, and the first error is raised after.
/// A tag whose class keeps `Node.state_changed` is marked without a Python call.
#[pyfunction]
pub fn notify_observers(state: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = state.py();
    let dependents = state_contract::dependents(state)?;
    let mut observers = Vec::with_capacity(dependents.len());
    for item in dependents.items().iter() {
        let (key, reference): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
        match reference
            .cast::<PyWeakrefReference>()
            .ok()
            .and_then(|r| r.upgrade())
        {
            Some(observer) => observers.push(observer),
            None => {
                let _ = dependents.del_item(key);
            }
        }
    }
    let mut error = None;
    for observer in observers {
        let told = match observer.cast::<Node>() {
            Ok(node) if keeps_state_changed(&observer.get_type())? => {
                Node::state_changed(node, state)
            }
            _ => observer
                .call_method1(intern!(py, "state_changed"), (state,))
                .map(drop),
        };
        if let Err(e) = told {
            error.get_or_insert(e);
        }
    }
    error.map_or(Ok(()), Err)
}

/// Whether `cls` (a Node subclass) uses `Node.state_changed` (a subclass may override it).
fn keeps_state_changed(cls: &Bound<'_, PyType>) -> PyResult<bool> {
    static BASE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let py = cls.py();
    let name = intern!(py, "state_changed");
    let base = BASE.get_or_try_init(py, || {
        Ok::<_, PyErr>(py.get_type::<Node>().getattr(name)?.unbind())
    })?;
    Ok(cls.getattr(name)?.is(base.bind(py)))
}

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
    #[allow(unused_variables)] // named for its signature: `state_changed(self, state)`
    fn state_changed(slf: &Bound<'_, Self>, state: &Bound<'_, PyAny>) -> PyResult<()> {
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
