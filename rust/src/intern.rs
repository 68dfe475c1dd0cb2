//! Shared strings: tag and attribute names (and short attribute values) are few
//! and repeated on every node,
//! so each distinct name is allocated once per process. Bounded, so hostile
//! input cannot grow it without limit (past the bound, names are just allocated).
//! Short text children ("Save", "item 3", a column title) repeat across the
//! sessions of one App class (each session builds the same tree): they share a
//! table of their own, so that texts never crowd names out of theirs.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock};

const MAX_NAMES: usize = 4096;
const MAX_NAME_LEN: usize = 64;
const MAX_VALUE_LEN: usize = 24;
const MAX_TEXTS: usize = 16384;
const MAX_TEXT_LEN: usize = 24;

type Table = Mutex<HashSet<Arc<str>>>;

fn names() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| Mutex::new(HashSet::new()))
}

fn texts() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| Mutex::new(HashSet::new()))
}

/// `s` from `table` (added while there is room), else a new allocation.
fn shared(table: &Table, cap: usize, s: &str) -> Arc<str> {
    let mut t = table.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(found) = t.get(s) {
        return found.clone();
    }
    let new: Arc<str> = Arc::from(s);
    if t.len() < cap {
        t.insert(new.clone());
    }
    new
}

pub fn name(s: &str) -> Arc<str> {
    if s.len() > MAX_NAME_LEN {
        return Arc::from(s);
    }
    shared(names(), MAX_NAMES, s)
}

/// Text children: short ones are shared (see the module doc), long ones allocated.
pub fn text(s: &str) -> Arc<str> {
    if s.len() > MAX_TEXT_LEN {
        return Arc::from(s);
    }
    shared(texts(), MAX_TEXTS, s)
}

/// Attribute values: short ones (class names, types...) repeat across tags and
/// sessions, so they are shared like names; long ones are allocated.
pub fn value(s: &str) -> Arc<str> {
    if s.len() <= MAX_VALUE_LEN {
        name(s)
    } else {
        Arc::from(s)
    }
}

/// Internal ids: `h` + base 36 of a process-wide counter, written without allocating.
pub fn push_auto_id(out: &mut String, mut n: u64) {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut buf = [0u8; 14];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = DIGITS[(n % 36) as usize];
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.push('h');
    out.push_str(std::str::from_utf8(&buf[i..]).unwrap_or("0"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_shared() {
        assert!(Arc::ptr_eq(&name("class"), &name("class")));
    }

    #[test]
    fn short_texts_are_shared_long_ones_not() {
        assert!(Arc::ptr_eq(&text("item 7"), &text("item 7")));
        let long = "a text longer than the shared ones";
        assert!(!Arc::ptr_eq(&text(long), &text(long)));
        assert_eq!(&*text(long), long);
    }

    #[test]
    fn auto_ids_are_base36() {
        let mut s = String::new();
        push_auto_id(&mut s, 36 * 36 + 35);
        assert_eq!(s, "h10z");
    }
}
