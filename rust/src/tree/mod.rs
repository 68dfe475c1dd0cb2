//! The tag tree, without its Python face: the data (`model`), the node flags
//! (`flags`), leaf compaction (`compact`) and the walks over it (`walk`).
//! Depends on `intern` only; everything else in the crate builds on it.

pub mod compact;
pub mod flags;
pub mod model;
pub mod walk;

pub use model::{Attr, Child, Node, TagView};
