//! Writing HTML pieces: opening and closing tags, static attributes, text in
//! the right escaping. Pure Rust: no Python call, no borrow of a node.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use crate::escape::{push_attr, push_raw_text, push_text};
use crate::intern::push_auto_id;
use crate::tree::{Attr, Child, TagView};

/// Elements without content or closing tag (exported to Python as `VOID_ELEMENTS`).
pub const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// Elements without content or closing tag.
pub fn is_void(tag: &str) -> bool {
    VOID.contains(&tag)
}

/// `script`/`style`: content written raw (see `escape::push_raw_text`).
pub fn raw_text_tag(tag: &str) -> Option<&'static str> {
    match tag {
        "script" => Some("script"),
        "style" => Some("style"),
        _ => None,
    }
}

/// The hash recorded for what the client was sent.
pub fn hash_str(s: &str) -> u64 {
    let mut h = DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

/// Text content, escaped for its element (`raw` from `raw_text_tag`).
pub fn push_content(out: &mut String, s: &str, raw: Option<&str>) {
    match raw {
        Some(t) => push_raw_text(out, s, t),
        None => push_text(out, s),
    }
}

/// ` name="value"` of a resolved attribute (bare for "", nothing for None).
pub fn push_attr_pair(out: &mut String, name: &str, value: &Option<String>) {
    if let Some(v) = value {
        out.push(' ');
        out.push_str(name);
        if !v.is_empty() {
            out.push_str("=\"");
            push_attr(out, v);
            out.push('"');
        }
    }
}

/// `<tag id="..." attr="..."` (static attributes only; no `>`). With `ids`,
/// the internal id is written as `id`, or as `data-htag-id` when the tag has
/// an `id` attribute of its own.
pub fn open_tag(out: &mut String, b: &TagView<'_>, ids: bool) {
    out.push('<');
    out.push_str(b.tag);
    if ids {
        let user_id = b.attrs.iter().any(|(n, _)| &**n == "id");
        out.push_str(if user_id {
            " data-htag-id=\""
        } else {
            " id=\""
        });
        match b.given_id {
            Some(id) => push_attr(out, id),
            None => push_auto_id(out, b.num),
        }
        out.push('"');
    }
    for (name, a) in b.attrs {
        match a {
            Attr::Text(v) => {
                out.push(' ');
                out.push_str(name);
                out.push_str("=\"");
                push_attr(out, &v[..]);
                out.push('"');
            }
            Attr::Flag => {
                out.push(' ');
                out.push_str(name);
            }
            Attr::Dynamic(_) => {}
        }
    }
}

/// After `open_tag` of a static leaf: `>`, its text, its closing tag.
pub fn leaf_rest(out: &mut String, b: &TagView<'_>, ids: bool) {
    if !b.tag.is_empty() {
        out.push('>');
        if is_void(b.tag) {
            return;
        }
    }
    let raw = raw_text_tag(b.tag);
    for kid in b.children {
        push_plain(out, kid, raw, ids);
    }
    if let Some(t) = b.text {
        push_content(out, t, raw);
    }
    close_tag(out, b.tag);
}

/// A child that is plain data (text, `HTML`, a leaf); nothing for the others.
pub fn push_plain(out: &mut String, kid: &Child, raw: Option<&str>, ids: bool) {
    match kid {
        Child::Text(s) => push_content(out, &s[..], raw),
        Child::Raw(s) => out.push_str(&s[..]),
        Child::Leaf(l) => {
            let view = l.view();
            if !view.tag.is_empty() {
                open_tag(out, &view, ids);
            }
            leaf_rest(out, &view, ids);
        }
        Child::Node(_) | Child::Dynamic(_) => {}
    }
}

pub fn close_tag(out: &mut String, tag: &str) {
    if !tag.is_empty() {
        out.push_str("</");
        out.push_str(tag);
        out.push('>');
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn view<'a>(
        tag: &'a str,
        attrs: &'a [(Arc<str>, Attr)],
        children: &'a [Child],
        text: Option<&'a str>,
    ) -> TagView<'a> {
        TagView {
            tag,
            num: 35,
            given_id: None,
            attrs,
            text,
            children,
        }
    }

    fn leaf(v: &TagView<'_>, ids: bool) -> String {
        let mut out = String::new();
        if !v.tag.is_empty() {
            open_tag(&mut out, v, ids);
        }
        leaf_rest(&mut out, v, ids);
        out
    }

    #[test]
    fn writes_a_leaf_with_its_id_and_attributes() {
        let attrs = [
            (Arc::from("class"), Attr::Text(Arc::from("a\"b"))),
            (Arc::from("hidden"), Attr::Flag),
        ];
        let kids = [Child::Text(Arc::from("x<y")), Child::Raw(Arc::from("<b>"))];
        let v = view("td", &attrs, &kids, None);
        assert_eq!(
            leaf(&v, true),
            "<td id=\"hz\" class=\"a&quot;b\" hidden>x&lt;y<b></td>"
        );
        assert_eq!(
            leaf(&v, false),
            "<td class=\"a&quot;b\" hidden>x&lt;y<b></td>"
        );
    }

    #[test]
    fn a_user_id_moves_the_internal_one() {
        let attrs = [(Arc::from("id"), Attr::Text(Arc::from("main")))];
        let mut v = view("p", &attrs, &[], Some("t"));
        v.given_id = Some("k");
        assert_eq!(leaf(&v, true), "<p data-htag-id=\"k\" id=\"main\">t</p>");
    }

    #[test]
    fn void_raw_and_fragment_tags() {
        assert_eq!(leaf(&view("br", &[], &[], None), false), "<br>");
        assert_eq!(
            leaf(&view("script", &[], &[], Some("a<b</script>")), false),
            "<script>a<b<\\/script></script>"
        );
        assert_eq!(leaf(&view("", &[], &[], Some("a&b")), true), "a&amp;b");
        assert!(is_void("input") && !is_void("div"));
    }

    #[test]
    fn attribute_pairs() {
        let mut out = String::new();
        push_attr_pair(&mut out, "a", &Some("x'y".into()));
        push_attr_pair(&mut out, "b", &Some(String::new()));
        push_attr_pair(&mut out, "c", &None);
        assert_eq!(out, " a=\"x&#x27;y\" b");
    }

    #[test]
    fn hashes_are_stable_within_a_process() {
        assert_eq!(hash_str("<p>x</p>"), hash_str("<p>x</p>"));
        assert_ne!(hash_str("<p>x</p>"), hash_str("<p>y</p>"));
    }
}
