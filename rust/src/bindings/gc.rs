//! Garbage-collector support: parent <-> child links are reference cycles,
//! so the collector must see every Python object a node holds.

use pyo3::gc::PyVisit;
use pyo3::prelude::*;
use pyo3::PyTraverseError;

use crate::tree::{Attr, Child, Node};

#[pymethods]
impl Node {
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        if let Some(p) = &self.parent {
            visit.call(p)?;
        }
        for c in &self.children {
            match c {
                Child::Node(n) => visit.call(n)?,
                Child::Dynamic(o) => visit.call(o)?,
                Child::Leaf(l) => visit.call(&l.class)?,
                _ => {}
            }
        }
        for (_, a) in &self.attrs {
            if let Attr::Dynamic(o) = a {
                visit.call(o)?;
            }
        }
        Ok(())
    }

    fn __clear__(&mut self) {
        self.sent = None;
        self.parent = None;
        self.children.clear();
        self.attrs.clear();
    }
}
