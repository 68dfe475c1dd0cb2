//! The Python face of the crate: the `#[pymethods]` of `Node`, one file per
//! job (PyO3's `multiple-pymethods`), the module-level functions, and the
//! conversions between Python values and tree data. Logic lives in tree/ and
//! render/; these files check arguments, convert, and call it.

mod attributes;
mod changes;
mod construct;
mod convert;
mod editing;
pub mod functions;
mod gc;
mod identity;
mod navigation;
mod rendering;

pub use changes::notify_observers;
