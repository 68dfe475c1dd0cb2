//! HTML attributes: set, get, delete, and whether any is reactive.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use super::convert::{attr_to_py, to_attr};
use crate::escape::valid_attr_name;
use crate::intern;
use crate::tree::walk::invalidate;
use crate::tree::{Attr, Node};

#[pymethods]
impl Node {
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
        Some(attr_to_py(py, &self.attrs[i].1))
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
}
