//! Node flags and the tag sets that set them. Exported to Python as module
//! constants of `htag._core` (see lib.rs): htag/core (tag.py, engine.py, app.py) imports
//! them from there instead of copying the numbers.
//!
//! The class flags come from `_htag_meta` at creation; the others are set by
//! Python (`Node._mark`) when an instance gains them.

/// The node is an App (the root of a session's tree).
pub const F_APP: u16 = 1;
/// An App still running its own `init`: attaching under it mounts nothing yet.
pub const F_BUILDING: u16 = 2;
/// The class overrides on_mount/on_unmount.
pub const F_HOOKS: u16 = 4;
/// The class (or a base) declares statics.
pub const F_STATICS: u16 = 8;
/// The instance has event handlers.
pub const F_EVENTS: u16 = 16;
/// The instance has reactive lambdas.
pub const F_LAMBDA: u16 = 32;
/// Instance-level statics, pending js, or tags built by lambdas.
pub const F_EXTRA: u16 = 64;
/// A form control (see `FORM_CONTROLS`): the client syncs its value.
pub const F_FORM: u16 = 128;
/// Instances of this class are plain tags (`Tag.td`...): they may become leaves.
pub const F_PLAIN: u16 = 256;
/// Python attributes were set on the instance.
pub const F_ATTRS: u16 = 512;
/// The class overrides `add` (a composite component): tags built inside it (its
/// `init`, a `with` block) join it through that method, as in htag 2.
pub const F_ADD: u16 = 1024;
/// What mounting must look at; every other node just joins the tree.
pub const F_MOUNT_MASK: u16 = F_HOOKS | F_STATICS | F_EVENTS | F_LAMBDA | F_EXTRA | F_FORM;

/// The tags whose value the client syncs back (marked `F_FORM` at creation;
/// `htag.dispatch` accepts value syncs for these names only).
pub const FORM_CONTROLS: [&str; 3] = ["input", "textarea", "select"];

/// The flag a tag name gives a new node.
pub fn tag_flags(tag: &str) -> u16 {
    if FORM_CONTROLS.contains(&tag) {
        F_FORM
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_distinct_bits() {
        let all = [
            F_APP, F_BUILDING, F_HOOKS, F_STATICS, F_EVENTS, F_LAMBDA, F_EXTRA, F_FORM, F_PLAIN,
            F_ATTRS, F_ADD,
        ];
        for (i, a) in all.iter().enumerate() {
            assert_eq!(a.count_ones(), 1);
            for b in &all[i + 1..] {
                assert_eq!(a & b, 0);
            }
        }
    }

    #[test]
    fn mount_mask_leaves_out_structural_flags() {
        assert_eq!(F_MOUNT_MASK, 4 | 8 | 16 | 32 | 64 | 128);
        assert_eq!(F_MOUNT_MASK & (F_APP | F_BUILDING | F_PLAIN | F_ATTRS), 0);
    }

    #[test]
    fn form_controls_are_marked() {
        assert_eq!(tag_flags("input"), F_FORM);
        assert_eq!(tag_flags("textarea"), F_FORM);
        assert_eq!(tag_flags("select"), F_FORM);
        assert_eq!(tag_flags("option"), 0);
        assert_eq!(tag_flags(""), 0);
        assert_eq!(tag_flags("INPUT"), 0); // tag names are used as written
    }
}
