"""What a page or frame carries for an inline style or script static: a reference to
its content, named by the first 16 hex digits of its sha256 (computed here with
hashlib, independently of the Rust digest)."""

from __future__ import annotations

import hashlib


def digest(content: str) -> str:
    return hashlib.sha256(content.encode()).hexdigest()[:16]


def css_ref(content: str) -> str:
    return f'<link rel="stylesheet" href="_htag/s/{digest(content)}.css">'


def js_ref(content: str) -> str:
    return f'<script src="_htag/s/{digest(content)}.js"></script>'
