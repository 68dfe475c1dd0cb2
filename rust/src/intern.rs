//! Shared strings: tag and attribute names (and short attribute values) are few
//! and repeated on every node,
//! so each distinct name is allocated once per process. Bounded, so hostile
//! input cannot grow it without limit (past the bound, names are just allocated).

use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock};

const MAX_NAMES: usize = 4096;
const MAX_NAME_LEN: usize = 64;
const MAX_VALUE_LEN: usize = 24;

fn table() -> &'static Mutex<HashSet<Arc<str>>> {
    static TABLE: OnceLock<Mutex<HashSet<Arc<str>>>> = OnceLock::new();
    TABLE.get_or_init(|| Mutex::new(HashSet::new()))
}

pub fn name(s: &str) -> Arc<str> {
    if s.len() > MAX_NAME_LEN {
        return Arc::from(s);
    }
    let mut t = table().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(found) = t.get(s) {
        return found.clone();
    }
    let shared: Arc<str> = Arc::from(s);
    if t.len() < MAX_NAMES {
        t.insert(shared.clone());
    }
    shared
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
    fn auto_ids_are_base36() {
        let mut s = String::new();
        push_auto_id(&mut s, 36 * 36 + 35);
        assert_eq!(s, "h10z");
    }
}
