//! What a node is: its element name, its internal id, its flags.

use std::sync::Arc;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::escape::valid_tag_name;
use crate::intern;
use crate::tree::flags::{tag_flags, F_APP, F_BUILDING, F_FORM};
use crate::tree::walk::invalidate;
use crate::tree::Node;

#[pymethods]
impl Node {
    /// The element name (None for a fragment, as in htag 2).
    #[getter]
    fn tag(&self) -> Option<&str> {
        (!self.tag.is_empty()).then_some(&*self.tag)
    }

    /// Renames the element (None or `""`: a fragment); a form control's value
    /// sync follows the new name.
    #[setter(tag)]
    fn set_tag(slf: &Bound<'_, Self>, name: Option<&str>) -> PyResult<()> {
        let name = name.unwrap_or_default();
        if !name.is_empty() && !valid_tag_name(name) {
            return Err(PyValueError::new_err(format!("invalid tag name {name:?}")));
        }
        {
            let mut node = slf.borrow_mut();
            node.tag = intern::name(name);
            node.set_flag(F_FORM, tag_flags(name) & F_FORM != 0);
        }
        invalidate(slf.py(), slf);
        Ok(())
    }

    /// The internal id (the `id` attribute unless the user set another one).
    #[getter(_hid)]
    fn hid(&self) -> String {
        self.hid_string()
    }

    #[setter(_hid)]
    fn set_hid(slf: &Bound<'_, Self>, value: &str) -> PyResult<()> {
        if value.is_empty() {
            return Err(PyValueError::new_err("an id cannot be empty"));
        }
        slf.borrow_mut().given_id = Some(Arc::from(value));
        invalidate(slf.py(), slf);
        Ok(())
    }

    #[getter(_is_app)]
    fn get_is_app(&self) -> bool {
        self.flags & F_APP != 0
    }

    #[setter(_is_app)]
    fn set_is_app(&mut self, v: bool) {
        self.set_flag(F_APP, v);
    }

    #[getter(_building)]
    fn get_building(&self) -> bool {
        self.flags & F_BUILDING != 0
    }

    #[setter(_building)]
    fn set_building(&mut self, v: bool) {
        self.set_flag(F_BUILDING, v);
    }

    #[getter(_flags)]
    fn get_flags(&self) -> u16 {
        self.flags
    }

    /// Marks this instance as having events / lambdas / extra htag state.
    fn _mark(&mut self, flags: u16) {
        self.flags |= flags;
    }
}
