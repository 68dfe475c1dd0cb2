//! The per-thread stack of tags being built: `with Tag.div():` blocks and
//! `init()` push the enclosing tag; `None` is a barrier (a reactive lambda's
//! output is never appended to whatever encloses the render). Python reaches
//! it through `stack_push`/`stack_pop`/`stack_top` (bindings/functions.rs).

use std::cell::RefCell;

use pyo3::prelude::*;

use crate::tree::Node;

thread_local! {
    static STACK: RefCell<Vec<Option<Py<Node>>>> = const { RefCell::new(Vec::new()) };
}

/// Enters a building context (`None` = a barrier).
pub fn push(node: Option<Py<Node>>) {
    STACK.with(|s| s.borrow_mut().push(node));
}

pub fn pop() {
    STACK.with(|s| {
        s.borrow_mut().pop();
    });
}

/// The tag new tags are appended to, if any.
pub fn top(py: Python<'_>) -> Option<Py<Node>> {
    STACK.with(|s| {
        s.borrow()
            .last()
            .and_then(|n| n.as_ref().map(|n| n.clone_ref(py)))
    })
}
