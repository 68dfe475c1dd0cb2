//! `htag._core`: the Rust side of htag. Modules split by job:
//! `node` (the tag tree), `render` (HTML output and client records),
//! `escape` (the escaping rule), `hooks` (callbacks into Python), `context`
//! (the per-thread stack of tags being built), `intern` (shared names, ids).

use pyo3::prelude::*;

pub mod context;
pub mod escape;
pub mod hooks;
pub mod intern;
pub mod node;
pub mod render;

/// Whether a name can be a tag name (checked when `Tag.xxx` makes a class).
#[pyfunction]
fn valid_tag_name(name: &str) -> bool {
    escape::valid_tag_name(name)
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<node::Node>()?;
    m.add_function(wrap_pyfunction!(hooks::set_hooks, m)?)?;
    m.add_function(wrap_pyfunction!(context::stack_push, m)?)?;
    m.add_function(wrap_pyfunction!(context::stack_pop, m)?)?;
    m.add_function(wrap_pyfunction!(context::stack_top, m)?)?;
    m.add_function(wrap_pyfunction!(valid_tag_name, m)?)?;
    Ok(())
}
