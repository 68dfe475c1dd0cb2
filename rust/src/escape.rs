//! HTML escaping. One rule, documented in docs/protocol.md:
//! text escapes `& < >`; attribute values escape `& < > " '`.
//! Raw-text elements (`script`, `style`) are not escaped, but a closing tag
//! sequence inside them is neutralised so content can never end the element early.

pub fn push_text(out: &mut String, s: &str) {
    push_escaped(out, s, false);
}

pub fn push_attr(out: &mut String, s: &str) {
    push_escaped(out, s, true);
}

fn push_escaped(out: &mut String, s: &str, quotes: bool) {
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' if quotes => "&quot;",
            b'\'' if quotes => "&#x27;",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        out.push_str(rep);
        start = i + 1;
    }
    out.push_str(&s[start..]);
}

/// Content of `<script>`/`<style>`: kept verbatim except `</tag` (any case),
/// which becomes `<\/tag` so it cannot close the element, and, in a script,
/// `<!--`, which becomes `<\!--`: after `<!--<script>` an HTML parser no longer
/// takes `</script>` as the end of the element and swallows the rest of the page.
pub fn push_raw_text(out: &mut String, s: &str, tag: &str) {
    let bytes = s.as_bytes();
    let n = tag.len();
    let script = tag == "script";
    let mut start = 0;
    let mut i = 0;
    while i + 1 < bytes.len() {
        let closing = bytes[i + 1] == b'/'
            && bytes.len() >= i + 2 + n
            && bytes[i + 2..i + 2 + n].eq_ignore_ascii_case(tag.as_bytes());
        let comment = script && bytes[i + 1] == b'!' && bytes[i + 2..].starts_with(b"--");
        if bytes[i] == b'<' && (closing || comment) {
            out.push_str(&s[start..i + 1]);
            out.push('\\');
            start = i + 1;
            i += 2;
            continue;
        }
        i += 1;
    }
    out.push_str(&s[start..]);
}

/// Attribute names must not be able to inject markup or handlers in disguise.
pub fn valid_attr_name(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' || c == ':' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | ':' | '.' | '-'))
}

pub fn valid_tag_name(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> String {
        let mut o = String::new();
        push_text(&mut o, s);
        o
    }
    fn attr(s: &str) -> String {
        let mut o = String::new();
        push_attr(&mut o, s);
        o
    }
    fn raw(s: &str, t: &str) -> String {
        let mut o = String::new();
        push_raw_text(&mut o, s, t);
        o
    }

    #[test]
    fn escapes_text() {
        assert_eq!(text("a<b>&\"'"), "a&lt;b&gt;&amp;\"'");
        assert_eq!(text("héllo ✓"), "héllo ✓");
    }

    #[test]
    fn escapes_attributes() {
        assert_eq!(attr("\" onclick='x'"), "&quot; onclick=&#x27;x&#x27;");
    }

    #[test]
    fn raw_text_cannot_close_its_element() {
        assert_eq!(raw("a</script><b>", "script"), "a<\\/script><b>");
        assert_eq!(raw("x</SCRIPT >", "script"), "x<\\/SCRIPT >");
        assert_eq!(raw("p{}</style>", "style"), "p{}<\\/style>");
        assert_eq!(raw("1 </ 2 </s", "script"), "1 </ 2 </s");
        assert_eq!(raw("'<!--<script>'", "script"), "'<\\!--<script>'");
        assert_eq!(raw("<!-", "script"), "<!-");
        assert_eq!(raw("<!--x", "style"), "<!--x");
    }

    #[test]
    fn validates_names() {
        assert!(valid_attr_name("data-x"));
        assert!(valid_attr_name("aria-label"));
        assert!(!valid_attr_name("x onclick"));
        assert!(!valid_attr_name("x\"y"));
        assert!(!valid_attr_name(""));
        assert!(valid_tag_name("my-widget"));
        assert!(!valid_tag_name("div><script"));
    }
}
