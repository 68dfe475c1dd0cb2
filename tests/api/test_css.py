"""Tests for htag.css.scope_css: scoped component styles."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from htag.css import scope_css

S = "htag-Card"


def scoped(css: str) -> str:
    return scope_css(css, S)


# -- selectors ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("css", "expected"),
    [
        (".t { color: red }", ".htag-Card.t, .htag-Card .t { color: red }"),
        ("div { margin: 0 }", "div.htag-Card, .htag-Card div { margin: 0 }"),
        ("DIV{}", "DIV.htag-Card, .htag-Card DIV {}"),
        ("p::before { content: 'x' }", "p.htag-Card::before, .htag-Card p::before { content: 'x' }"),
        ("::selection {}", ".htag-Card::selection, .htag-Card ::selection {}"),
        (".a::after {}", ".htag-Card.a::after, .htag-Card .a::after {}"),
        ("a:hover { x: y }", "a.htag-Card:hover, .htag-Card a:hover { x: y }"),
        (".x > .y {}", ".htag-Card.x > .y, .htag-Card .x > .y {}"),
        (".x>.y+.z~p {}", ".htag-Card.x > .y + .z ~ p, .htag-Card .x > .y + .z ~ p {}"),
        (".x\n\t  .y {}", ".htag-Card.x .y, .htag-Card .x .y {}"),
        ("#id {}", ".htag-Card#id, .htag-Card #id {}"),
        ('[data-x="a,b"] {}', '.htag-Card[data-x="a,b"], .htag-Card [data-x="a,b"] {}'),
        (
            "input[type=text]:focus {}",
            "input.htag-Card[type=text]:focus, .htag-Card input[type=text]:focus {}",
        ),
        (":is(.a, .b) span {}", ".htag-Card:is(.a, .b) span, .htag-Card :is(.a, .b) span {}"),
        (":not(.a, .b) {}", ".htag-Card:not(.a, .b), .htag-Card :not(.a, .b) {}"),
        (
            "li:nth-child(2n+1) ~ li {}",
            "li.htag-Card:nth-child(2n+1) ~ li, .htag-Card li:nth-child(2n+1) ~ li {}",
        ),
        ("svg|rect {}", "svg|rect.htag-Card, .htag-Card svg|rect {}"),
        (".a\\{b {}", ".htag-Card.a\\{b, .htag-Card .a\\{b {}"),
    ],
)
def test_selector_forms(css: str, expected: str) -> None:
    assert scoped(css) == expected


def test_selector_list_splits_only_on_top_level_commas() -> None:
    css = ":is(.a, .b), [title=\"x,y\"], .c:not(.d, .e), 'q,r' {}"
    assert scoped(css) == (
        ".htag-Card:is(.a, .b), .htag-Card :is(.a, .b), "
        '.htag-Card[title="x,y"], .htag-Card [title="x,y"], '
        ".htag-Card.c:not(.d, .e), .htag-Card .c:not(.d, .e), "
        ".htag-Card'q,r', .htag-Card 'q,r' {}"
    )


def test_duplicate_selectors_are_emitted_once() -> None:
    assert scoped("a, a, .b, a {}") == "a.htag-Card, .htag-Card a, .htag-Card.b, .htag-Card .b {}"


def test_universal_selector_is_absorbed_by_the_scope_class() -> None:
    assert scoped("* { box-sizing: border-box }") == ".htag-Card, .htag-Card * { box-sizing: border-box }"
    assert scoped("*.x::after {}") == ".htag-Card.x::after, .htag-Card *.x::after {}"
    assert scoped("*|* {}") == "*|*.htag-Card, .htag-Card *|* {}"


@pytest.mark.parametrize(
    ("css", "expected"),
    [
        (":root { --c: red }", ".htag-Card { --c: red }"),
        ("html { font-size: 14px }", ".htag-Card { font-size: 14px }"),
        ("body { margin: 0 }", ".htag-Card { margin: 0 }"),
        ("BODY {}", ".htag-Card {}"),
        ("html, body, :root {}", ".htag-Card {}"),
        ("body > p {}", ".htag-Card > p {}"),
        ("html.dark a {}", ".htag-Card.dark a {}"),
        (":root:hover .x {}", ".htag-Card:hover .x {}"),
        (".a :root {}", ".htag-Card.a :root, .htag-Card .a :root {}"),
        ("bodyx {}", "bodyx.htag-Card, .htag-Card bodyx {}"),
    ],
)
def test_root_selectors_map_to_the_scope_element(css: str, expected: str) -> None:
    assert scoped(css) == expected


@pytest.mark.parametrize(
    ("css", "expected"),
    [
        ("&.active {}", ".htag-Card.active {}"),
        ("& .x {}", ".htag-Card .x {}"),
        (".dark & p {}", ".dark .htag-Card p {}"),
        (":not(&) {}", ":not(.htag-Card) {}"),
        ('[title="&"] {}', '.htag-Card[title="&"], .htag-Card [title="&"] {}'),
        ("&div > p {}", "div.htag-Card > p {}"),
        (":is(&div, .x &) {}", ":is(div.htag-Card, .x .htag-Card) {}"),
        ("> & .x {}", ".htag-Card > .htag-Card .x {}"),
        ("> li {}", ".htag-Card > li {}"),
        ("+ .next {}", ".htag-Card + .next {}"),
        (".htag-Card > .x {}", ".htag-Card > .x {}"),
        (".wide .htag-Card {}", ".wide .htag-Card {}"),
        (".htag-Cardx {}", ".htag-Card.htag-Cardx, .htag-Card .htag-Cardx {}"),
    ],
)
def test_explicit_scope_references(css: str, expected: str) -> None:
    assert scoped(css) == expected


# -- at-rules -----------------------------------------------------------------


def test_media_blocks_are_scoped_recursively() -> None:
    css = "@media (max-width: 600px) { .a { x: y } @supports (display: grid) { p { a: b } } }"
    assert scoped(css) == (
        "@media (max-width: 600px) {\n"
        ".htag-Card.a, .htag-Card .a { x: y }\n"
        "@supports (display: grid) {\n"
        "p.htag-Card, .htag-Card p { a: b }\n"
        "}\n"
        "}"
    )


@pytest.mark.parametrize(
    "prelude",
    [
        "@media screen and (min-width: 10em)",
        "@supports not (display: grid)",
        "@container sidebar (min-width: 400px)",
        "@layer base",
        "@layer",
        "@MEDIA print",
        "@starting-style",
        "@-moz-document url-prefix()",
    ],
)
def test_grouping_at_rules_scope_their_content(prelude: str) -> None:
    assert scoped(f"{prelude} {{ .a {{ b: c }} }}") == (
        f"{prelude} {{\n.htag-Card.a, .htag-Card .a {{ b: c }}\n}}"
    )


def test_empty_grouping_at_rule_is_compacted() -> None:
    assert scoped("@media print {   }") == "@media print {}"


@pytest.mark.parametrize(
    "css",
    [
        "@keyframes spin { from { transform: rotate(0) } to { transform: rotate(1turn) } }",
        "@-webkit-keyframes spin { 0% { opacity: 0 } 100% { opacity: 1 } }",
        "@font-face { font-family: X; src: url(x.woff2) format('woff2') }",
        "@page :first { margin: 1in }",
        "@counter-style thumbs { system: cyclic; symbols: '+'; }",
    ],
)
def test_other_at_rule_blocks_are_kept_untouched(css: str) -> None:
    assert scoped(css) == css


def test_keyframes_inside_media_are_kept_untouched() -> None:
    css = "@media print { @keyframes k { from { a: b } } .x { c: d } }"
    assert scoped(css) == (
        "@media print {\n@keyframes k { from { a: b } }\n.htag-Card.x, .htag-Card .x { c: d }\n}"
    )


def test_at_rule_statements_are_kept_as_is() -> None:
    css = (
        '@charset "utf-8";\n'
        '@import url("theme.css") screen;\n'
        "@import url(data:text/css;base64,LmF7fQ==);\n"
        "@namespace svg url(http://www.w3.org/2000/svg);\n"
        "@layer base, theme;\n"
        ".a { b: c }"
    )
    assert scoped(css) == (
        '@charset "utf-8";\n'
        '@import url("theme.css") screen;\n'
        "@import url(data:text/css;base64,LmF7fQ==);\n"
        "@namespace svg url(http://www.w3.org/2000/svg);\n"
        "@layer base, theme;\n"
        ".htag-Card.a, .htag-Card .a { b: c }"
    )


# -- comments, strings, declarations -----------------------------------------


def test_comments_in_selectors_are_dropped_and_kept_in_declarations() -> None:
    css = "/* head { } */ .a /* , .evil { */ , /*x*/ .b { /* keep; } */ color: red }"
    assert scoped(css) == (
        ".htag-Card.a, .htag-Card .a, .htag-Card.b, .htag-Card .b { /* keep; } */ color: red }"
    )


def test_strings_with_braces_and_commas_survive() -> None:
    css = '.q::before { content: "{a,b}"; quotes: \'}\' "\\"{" }'
    assert scoped(css) == (
        '.htag-Card.q::before, .htag-Card .q::before { content: "{a,b}"; quotes: \'}\' "\\"{" }'
    )


def test_declarations_are_copied_verbatim() -> None:
    body = (
        "background:url(data:image/svg+xml;utf8,<svg>{}</svg>) no-repeat;\n"
        "  font: 12px/1.5 'A, B', serif;  grid-template-areas: \"a b\"\n"
        '    "c d"'
    )
    assert scoped(".a{" + body + "}") == ".htag-Card.a, .htag-Card .a { " + body + " }"


def test_nested_rules_inside_a_rule_are_copied_verbatim() -> None:
    css = ".card { padding: 1em; &:hover { color: red } .title { font-weight: bold } }"
    assert scoped(css) == (
        ".htag-Card.card, .htag-Card .card { padding: 1em; &:hover { color: red } .title { font-weight: bold } }"
    )


def test_multiple_rules_one_per_line() -> None:
    css = "\n\n.a{x:1}\n  div , p{}  ;;  #b {y:2}\n"
    assert scoped(css) == (
        ".htag-Card.a, .htag-Card .a { x:1 }\n"
        "div.htag-Card, .htag-Card div, p.htag-Card, .htag-Card p {}\n"
        ".htag-Card#b, .htag-Card #b { y:2 }"
    )


def test_empty_and_comment_only_input() -> None:
    assert scoped("") == ""
    assert scoped("  /* nothing */ \n") == ""


# -- malformed input ----------------------------------------------------------


@pytest.mark.parametrize(
    ("css", "message"),
    [
        (".a { color: red", r"line 1, column 4: unclosed '\{'"),
        (".a { color: red }\n}", r"line 2, column 1: unexpected '\}'"),
        ("}", r"unexpected '\}'"),
        ("@media print { .a {} ", r"line 1, column 1: unclosed block '@media print'"),
        (".a", r"unexpected end of input after '\.a'"),
        (".a }", r"expected '\{' after '\.a'"),
        ("color: red; .a {}", r"declaration 'color: red' outside of any rule"),
        ("{ color: red }", r"missing selector"),
        (".a, { x: y }", r"empty selector"),
        (".a, , .b {}", r"empty selector"),
        (".a > {}", r"dangling combinator '>'"),
        (".a > > .b {}", r"unexpected '>' after a combinator"),
        (":is(.a, .b {}", r"line 1, column 4: unclosed '\('"),
        ("[x=y {}", r"unclosed '\['"),
        (".a) {}", r"unexpected '\)'"),
        ("/* unterminated", r"unterminated comment"),
        ('.a { content: "x }', r"line 1, column 15: unterminated string"),
        ('.a[title="x\n"] {}', r"unterminated string"),
        (".a { background: url(x.png }", r"unterminated url\("),
        ("&-title {}", r"Sass-style '&' suffixes are not supported"),
        (".a&div {}", r"'&div': a type selector must start its compound selector"),
        ("*a {}", r"invalid compound selector '\*a'"),
    ],
)
def test_malformed_input_raises_value_error(css: str, message: str) -> None:
    with pytest.raises(ValueError, match=r"^invalid CSS at line \d+, column \d+: ") as info:
        scoped(css)
    assert re.search(message, str(info.value)), str(info.value)


@pytest.mark.parametrize("scope_class", ["", ".htag-Card", "htag Card", "1abc", "a{b", "a,b"])
def test_invalid_scope_class_is_rejected(scope_class: str) -> None:
    with pytest.raises(ValueError, match="invalid scope class"):
        scope_css(".a {}", scope_class)


def test_non_string_arguments_are_rejected() -> None:
    with pytest.raises(TypeError):
        scope_css(b".a {}", S)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "css",
    [
        "(" * 100_000,
        "{" * 100_000,
        "}" * 100_000,
        '"' * 100_001,
        "/*" * 50_000,
        "\\" * 100_001,
        "@media x{" * 50_000,
        ", " * 50_000 + "{}",
        "url(" * 50_000,
        ":is(" * 50_000 + "{}",
    ],
)
def test_pathological_input_fails_fast_with_value_error(css: str) -> None:
    with pytest.raises(ValueError, match="^invalid CSS"):
        scoped(css)


def test_deep_nesting_needs_no_recursion() -> None:
    depth = 20_000
    out = scoped("@media x {" * depth + ".a{}" + "}" * depth)
    lines = out.split("\n")
    assert lines[:2] == ["@media x {", "@media x {"]
    assert lines[depth] == ".htag-Card.a, .htag-Card .a {}"
    assert lines[depth + 1 :] == ["}"] * depth
    deep = ":is(" * 5_000 + ".a" + ")" * 5_000
    assert scoped(deep + "{}") == f".htag-Card{deep}, .htag-Card {deep} {{}}"


def test_large_stylesheet_output_is_linear_in_size() -> None:
    rule = '.c > p:hover, div#x::before { color: red; content: "{a,b}" }\n'
    n = 20_000
    out = scoped(rule * n)
    line = (
        ".htag-Card.c > p:hover, .htag-Card .c > p:hover, "
        'div.htag-Card#x::before, .htag-Card div#x::before { color: red; content: "{a,b}" }'
    )
    assert out == "\n".join([line] * n)


# -- determinism and idempotence ----------------------------------------------

SAMPLE = """
@charset "utf-8";
:root { --accent: teal }
* { box-sizing: border-box }
.card > h2::before, a:hover { content: "{x,y}"; color: var(--accent) }
@media (max-width: 600px) { .card { padding: 0 } @keyframes k { to { opacity: 1 } } }
"""


def test_same_input_scoped_twice_gives_the_same_result() -> None:
    first = scoped(SAMPLE)
    second = scoped(SAMPLE)
    assert first == second
    assert first == (
        '@charset "utf-8";\n'
        ".htag-Card { --accent: teal }\n"
        ".htag-Card, .htag-Card * { box-sizing: border-box }\n"
        ".htag-Card.card > h2::before, .htag-Card .card > h2::before, a.htag-Card:hover, "
        '.htag-Card a:hover { content: "{x,y}"; color: var(--accent) }\n'
        "@media (max-width: 600px) {\n"
        ".htag-Card.card, .htag-Card .card { padding: 0 }\n"
        "@keyframes k { to { opacity: 1 } }\n"
        "}"
    )


def test_scoping_is_idempotent() -> None:
    once = scoped(SAMPLE)
    assert scoped(once) == once


def test_different_scopes_do_not_interfere() -> None:
    assert scope_css(".a {}", "htag-X") == ".htag-X.a, .htag-X .a {}"
    assert scope_css(".a {}", "htag-Y") == ".htag-Y.a, .htag-Y .a {}"


# -- properties ----------------------------------------------------------------

PS = "htag-Prop"
_type = st.sampled_from(["div", "p", "span", "a", "li", "svg", "*", "html", "body"])
_simple = st.one_of(
    st.from_regex(r"\.[a-z][a-z0-9_-]{0,6}", fullmatch=True),
    st.from_regex(r"#[a-z][a-z0-9]{0,6}", fullmatch=True),
    st.sampled_from(
        [
            ":hover",
            ":first-child",
            ":nth-child(2n+1)",
            ":not(.a, .b)",
            ":is(.x,.y)",
            ":root",
            '[data-x="a,b"]',
            "[href^='http']",
            '[title="{x}"]',
            "[hidden]",
        ]
    ),
)
_pseudo_element = st.sampled_from(["", "::before", "::after"])


@st.composite
def _compound(draw: st.DrawFn) -> str:
    type_name = draw(st.one_of(st.just(""), _type))
    simples = draw(st.lists(_simple, min_size=0 if type_name else 1, max_size=3))
    return type_name + "".join(simples) + draw(_pseudo_element)


@st.composite
def _selector(draw: st.DrawFn) -> str:
    compounds = draw(st.lists(_compound(), min_size=1, max_size=4))
    out = compounds[0]
    for compound in compounds[1:]:
        out += draw(st.sampled_from([" ", " > ", "+", " ~ ", "\n"])) + compound
    return out


_declarations = st.lists(
    st.sampled_from(
        [
            "color: red;",
            'content: "{a,b}";',
            "background: url(data:image/png;base64,AAA=);",
            "margin: 0",
            "/* c {;} */",
            "",
        ]
    ),
    max_size=3,
).map(" ".join)


@st.composite
def _rule(draw: st.DrawFn) -> str:
    selectors = draw(st.lists(_selector(), min_size=1, max_size=3))
    rule = ", ".join(selectors) + " {" + draw(_declarations) + "}"
    if draw(st.booleans()):
        rule = "@media (min-width: 1px) { " + rule + " }"
    return rule


_stylesheet = st.lists(_rule(), min_size=1, max_size=5).map("\n".join)


def _top_level_selectors(output: str) -> list[str]:
    """The selectors of every rule line in ``output`` (at-rule lines skipped)."""
    selectors: list[str] = []
    for line in output.split("\n"):
        if line.startswith("@") or line == "}":
            continue
        # the selector list ends at the first "{" outside strings/brackets
        depth, quote, begin = 0, "", 0
        for i, c in enumerate(line):
            if quote:
                quote = "" if c == quote else quote
            elif c in "\"'":
                quote = c
            elif c in "([":
                depth += 1
            elif c in ")]":
                depth -= 1
            elif c == "," and not depth:
                selectors.append(line[begin:i].strip())
                begin = i + 1
            elif c == "{" and not depth:
                selectors.append(line[begin:i].strip())
                break
    return selectors


_SCOPED_START = re.compile(r"^(?:[a-z]+|\*)?\.htag-Prop(?![-\w])")


@settings(max_examples=300)
@given(_stylesheet)
def test_property_output_is_balanced_and_every_selector_is_scoped(css: str) -> None:
    out = scope_css(css, PS)
    assert out.count("{") == out.count("}")
    selectors = _top_level_selectors(out)
    assert selectors
    for selector in selectors:
        # the scope class sits in the first compound, before anything but a type
        assert _SCOPED_START.match(selector), selector
    assert scope_css(out, PS) == out  # idempotent
    assert scope_css(css, PS) == out  # deterministic


@settings(max_examples=300)
@given(st.text(alphabet=" \n{}();,\"'/*\\@ab.:#[]>&-~+", max_size=60))
def test_property_arbitrary_text_returns_a_string_or_raises_value_error(css: str) -> None:
    try:
        out = scope_css(css, PS)
    except ValueError as exc:
        assert str(exc).startswith("invalid CSS at line ")
    else:
        # whatever was accepted produces well-formed CSS: it scopes again cleanly
        assert isinstance(scope_css(out, PS), str)
