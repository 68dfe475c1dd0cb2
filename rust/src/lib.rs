//! `htag._core`: the Rust side of htag. This file only registers the module;
//! the crate is split by job:
//!
//! - `escape`: the escaping rule and name validation (pure Rust);
//! - `intern`: shared names and values, internal ids (pure Rust);
//! - `tree`: the tag tree without its Python face: `model` (Node, Attr, Child,
//!   Leaf), `flags`, `compact` (leaves), `walk` (ancestors, mount walk, find...);
//! - `context`: the per-thread stack of tags being built;
//! - `hooks`: the Python callbacks, and `hooks::state_contract`, the only code
//!   that touches `htag.state.State` internals;
//! - `render`: HTML output, caches and client records (`markup`, `values`, `walk`);
//! - `statics`: the hashes of statics (dedup hash, URL digest; pure Rust);
//! - `changes`: what changed in an App since its last frame (`Changes`, the base
//!   of the Python `UpdateEngine`), and the diff that turns it into a frame;
//! - `bindings`: the `#[pymethods]` of `Node` and the module functions.
//!
//! Dependencies go one way (`a -> b`: a uses b; checked with `grep -rn "use crate::"`):
//!
//! ```text
//! lib      -> bindings, changes, tree (Node, flags)
//! bindings -> changes, render, hooks, context, tree, escape, intern, statics
//! changes  -> render, tree
//! render   -> hooks, tree, escape, intern
//! hooks    -> tree
//! context  -> tree
//! tree     -> intern
//! escape, intern, statics -> (nothing)
//! ```
//!
//! Inside `tree`: `walk -> compact, flags, model`; `compact -> flags, model`; `model -> intern`.
//! Inside `render`: `mod -> walk, values, markup`; `walk -> markup, values`.

use pyo3::prelude::*;
use pyo3::types::PyFrozenSet;

mod bindings;
mod changes;
mod context;
mod escape;
mod hooks;
mod intern;
mod render;
mod statics;
mod tree;

use bindings::functions;
use tree::flags;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<tree::Node>()?;
    m.add_class::<changes::Changes>()?;
    m.add_function(wrap_pyfunction!(functions::set_hooks, m)?)?;
    m.add_function(wrap_pyfunction!(bindings::notify_observers, m)?)?;
    m.add_function(wrap_pyfunction!(functions::swap_value, m)?)?;
    m.add_function(wrap_pyfunction!(functions::stack_push, m)?)?;
    m.add_function(wrap_pyfunction!(functions::stack_pop, m)?)?;
    m.add_function(wrap_pyfunction!(functions::stack_top, m)?)?;
    m.add_function(wrap_pyfunction!(functions::valid_tag_name, m)?)?;
    m.add_function(wrap_pyfunction!(functions::static_hash, m)?)?;
    m.add_function(wrap_pyfunction!(functions::static_digest, m)?)?;
    m.add("F_APP", flags::F_APP)?;
    m.add("F_BUILDING", flags::F_BUILDING)?;
    m.add("F_HOOKS", flags::F_HOOKS)?;
    m.add("F_STATICS", flags::F_STATICS)?;
    m.add("F_EVENTS", flags::F_EVENTS)?;
    m.add("F_LAMBDA", flags::F_LAMBDA)?;
    m.add("F_EXTRA", flags::F_EXTRA)?;
    m.add("F_FORM", flags::F_FORM)?;
    m.add("F_PLAIN", flags::F_PLAIN)?;
    m.add("F_ATTRS", flags::F_ATTRS)?;
    m.add("F_ADD", flags::F_ADD)?;
    m.add("F_MOUNT_MASK", flags::F_MOUNT_MASK)?;
    m.add(
        "FORM_CONTROLS",
        PyFrozenSet::new(m.py(), flags::FORM_CONTROLS)?,
    )?;
    m.add("VOID_ELEMENTS", PyFrozenSet::new(m.py(), render::VOID)?)?;
    Ok(())
}

/// Windows wheels cross-linked with zig (`scripts/build-wheels.sh`): maturin hands the linker an
/// export list (a `.def` file) naming the init function after the whole module name,
/// `PyInit_htag._core`, and the DLL exports only what that list names. CPython imports
/// `htag._core` through `PyInit__core` (what `#[pymodule]` defines). So: the symbol the list
/// asks for exists (an alias), and a linker directive exports the one CPython looks up.
///
/// # Safety
/// As `PyInit__core`: called by CPython's import machinery, with the GIL held.
#[cfg(all(windows, target_env = "gnu"))]
#[export_name = "PyInit_htag._core"]
pub unsafe extern "C" fn module_init_named_as_maturin_exports_it() -> *mut pyo3::ffi::PyObject {
    extern "C" {
        fn PyInit__core() -> *mut pyo3::ffi::PyObject;
    }
    unsafe { PyInit__core() }
}

#[cfg(all(windows, target_env = "gnu"))]
#[link_section = ".drectve"]
#[used]
static EXPORT_MODULE_INIT: [u8; 22] = *b" -export:PyInit__core ";
