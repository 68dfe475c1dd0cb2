"""htag's exceptions, under one base class: `except HtagError` catches them all.

The names are htag 2's (`htag.exceptions` is this module)."""

from __future__ import annotations


class HtagError(Exception):
    """Base class of every htag exception."""


class HtagRenderError(HtagError):
    """A tag could not be rendered (a reactive child or attribute raised)."""


class HtagEventError(HtagError):
    """An event callback was used in a way htag cannot honour (e.g. a sync callback
    that returned a coroutine)."""
