"""Which statics become content-addressed files (`htag.core.statics`), and what is sent instead."""

from __future__ import annotations

import pytest
from statics_refs import css_ref, digest, js_ref

from htag import HTML, Tag, _core
from htag.core.statics import STATICS, wire_html, wire_statics


def wired(html: str) -> str:
    return wire_html(STATICS.wire(html))


def test_inline_styles_and_scripts_become_references():
    assert wired("<style>a{}</style>") == css_ref("a{}")
    assert wired("<STYLE>a{}</STYLE>") == css_ref("a{}")
    assert wired(" <script>x()</script>\n") == js_ref("x()")
    assert wired(Tag.style("b{}")._render_bare()).startswith('<link rel="stylesheet" href="_htag/s/')


def test_attributes_are_kept_but_those_that_would_reorder_scripts():
    d = digest("a{}")
    assert wired('<style media="print" type="text/css">a{}</style>') == (
        f'<link rel="stylesheet" href="_htag/s/{d}.css" media="print">'
    )
    d = digest("x()")
    assert wired('<script type="module" defer async>x()</script>') == (
        f'<script src="_htag/s/{d}.js" type="module"></script>'
    )


@pytest.mark.parametrize(
    "html",
    [
        '<script src="https://cdn.example.com/x.js"></script>',  # already a reference
        '<script type="application/json">{"a": 1}</script>',  # a data block
        "<script></script>",  # nothing to serve
        "<style>a{}</style><script>x()</script>",  # not one lone element
        '<link rel="stylesheet" href="a.css">',
        "<title>t</title>",
        "<meta name='x'>",
    ],
)
def test_other_statics_are_sent_as_they_are(html):
    assert STATICS.wire(html) == html


def test_one_static_per_content_and_its_body_is_the_content():
    first = STATICS.wire("<style>.same{}</style>")
    again = wire_statics(["<style>.same{}</style>", str(HTML("<i>x</i>")), "<style>.same{}</style>"])
    assert again[0] is first and len(again) == 2  # duplicates dropped, order kept
    assert first.body == b".same{}" and STATICS.find(first.digest) is first
    assert first.media_type == "text/css; charset=utf-8"


def test_the_rust_hashes_are_stable():
    # xxh3-64 (seed 0) and sha256, as any other implementation computes them
    assert _core.static_hash(b"") == 0x2D06800538D394C2
    assert _core.static_digest(b"abc") == "ba7816bf8f01cfea"
    assert _core.static_digest("é".encode()) == digest("é")
