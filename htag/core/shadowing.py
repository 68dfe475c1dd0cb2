"""Refuses user names that shadow the Tag API.

htag calls a tag's own methods to build and update the tree: a callback named `add`
on a component replaces the `add` that every tag built inside it goes through, and
the page fails far from the cause. So a Tag subclass, or a tag instance, may not
hide a member of the API (the public members of `GTag`, of the Rust `Node` under it
and, for Apps, of `App`: read from the classes, never listed by hand). The rule:

- hooks and declarations are meant to be overridden: `init`, `on_mount`,
  `on_unmount`, `on_destroy`, `statics`, `styles`, `tag`;
- a method may be overridden by a plain method (not async, not a generator, not a
  static/class method) that accepts every call the original accepts: an `add(self,
  *items)` that calls `super().add(...)` is htag 2's composite pattern (see F_ADD in
  tag.py); `def add(self, event)`, a callback, is refused;
- a property (`text`, `id`, `parent`, `root`, `childs`, `request`...) may be
  overridden by a property only;
- on an instance, assigning a name of the API that is neither a hook nor a settable
  property (`self.clear = ...`, `Tag.div(add=1)`) is refused.

Classes are checked when they are created (`GTag.__init_subclass__`), instances when
the attribute is set. The error names the class, the clash, and the fix.
"""

from __future__ import annotations

import inspect
from types import MethodDescriptorType
from typing import Any

OVERRIDABLE = frozenset({"init", "on_mount", "on_unmount", "on_destroy", "statics", "styles", "tag"})

# the classes whose public members are the API, and the union of those names
_api_classes: list[type] = []
api_names: frozenset[str] = frozenset()
# names an instance may not set: methods and read-only members (kept in step with api_names;
# updated in place, so that GTag.__setattr__ holds it directly: one set lookup per assignment)
INSTANCE_REFUSED: set[str] = set()


def register_api(cls: type) -> None:
    """Adds `cls` (and the classes under it that define the API) to the API."""
    global api_names
    for klass in reversed(cls.__mro__[:-1]):  # not `object`
        if klass not in _api_classes:
            _api_classes.append(klass)
    names = {n for k in _api_classes for n in vars(k) if not n.startswith("_")} - OVERRIDABLE
    api_names = frozenset(names)
    INSTANCE_REFUSED.clear()
    INSTANCE_REFUSED.update(n for n in names if not _settable(_api_member(cls.__mro__, n)[1]))


def check_class(cls: type) -> None:
    """Raises TypeError if the new class `cls` shadows a member of the API badly."""
    for name in api_names.intersection(vars(cls)):
        owner, base = _api_member(cls.__mro__[1:], name)
        if owner is None:  # `cls` is itself an API class (App adds its own members)
            continue
        problem = _override_problem(base, vars(cls)[name])
        if problem:
            raise TypeError(f"{_where(cls, name)} shadows {_api_name(owner, name)} {_role(base)}: {problem}")


def check_instance_attribute(tag: Any, name: str) -> None:
    """Raises TypeError if setting `name` on the instance `tag` would hide the API."""
    owner, base = _api_member(type(tag).__mro__, name)
    if owner is not None and name in INSTANCE_REFUSED:  # `app` is API on Apps only
        raise TypeError(
            f"{type(tag).__name__}.{name} (an instance attribute) would shadow "
            f"{_api_name(owner, name)} {_role(base)}; rename your attribute"
        )


def _api_member(mro: tuple[type, ...], name: str) -> tuple[type | None, Any]:
    """The first API class of `mro` defining `name` (None if none does), and the member."""
    for klass in mro:
        if klass in _api_classes and name in vars(klass):
            return klass, vars(klass)[name]
    return None, None


def _api_name(owner: type | None, name: str) -> str:
    # GTag and the Rust Node are what users know as `Tag`
    label = "App" if owner is not None and owner.__name__ == "App" else "Tag"
    return f"{label}.{name}"


def _where(cls: type, name: str) -> str:
    return f"{cls.__qualname__}.{name}"


def _is_method(member: Any) -> bool:
    """A method of the API: a Python function, or a method of the Rust `Node`
    (`state_changed`)."""
    return inspect.isfunction(member) or isinstance(member, MethodDescriptorType)


def _role(base: Any) -> str:
    if _is_method(base):
        return f"(a method htag calls: {base.__name__}{_signature(base)})"
    return "(a property htag uses)"


def _signature(func: Any) -> str:
    """`(self, *items)`: the parameters as a user writes them, without annotations."""
    sig = inspect.signature(func)
    bare = [p.replace(annotation=p.empty) for p in sig.parameters.values()]
    only = [p for p in bare if p.kind is inspect.Parameter.POSITIONAL_ONLY]
    if only == bare[:1]:  # a Rust method's `self` alone: shown as users write it
        bare[0] = bare[0].replace(kind=inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return str(sig.replace(parameters=bare, return_annotation=sig.empty))


def _override_problem(base: Any, value: Any) -> str | None:
    """Why `value` cannot replace the API member `base`, or None if it can."""
    if _is_method(base):
        if not inspect.isfunction(value):
            return f"a {type(value).__name__} value cannot replace this method; rename yours"
        if (
            inspect.iscoroutinefunction(value)
            or inspect.isgeneratorfunction(value)
            or inspect.isasyncgenfunction(value)
        ):
            return (
                "an async or generator method cannot replace it (htag calls it synchronously); rename yours"
            )
        if not _accepts_every_call_of(base, value):
            return (
                f"{value.__name__}{_signature(value)} does not accept the calls htag makes; "
                f"rename your method (a callback?), or override it as "
                f"{base.__name__}{_signature(base)} and call super()"
            )
        return None
    if isinstance(base, property) or _is_data_descriptor(base):
        if isinstance(value, property) or _is_data_descriptor(value):
            return None
        return "only a property can replace it; rename yours"
    return None


def _accepts_every_call_of(base: Any, override: Any) -> bool:
    """Whether `override` can be called in every way `base` can (same positional
    arity, the same keyword names, no extra required parameter)."""
    try:
        b = list(inspect.signature(base).parameters.values())
        o = list(inspect.signature(override).parameters.values())
    except (TypeError, ValueError):  # pragma: no cover - a plain function always has one
        return True
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    o_kinds = {p.kind for p in o}
    o_varargs = inspect.Parameter.VAR_POSITIONAL in o_kinds
    o_varkw = inspect.Parameter.VAR_KEYWORD in o_kinds
    b_pos = [p for p in b if p.kind in positional]
    o_pos = [p for p in o if p.kind in positional]
    required = sum(p.default is p.empty for p in o_pos)
    if required > sum(p.default is p.empty for p in b_pos):
        return False
    if any(p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is p.empty for p in o):
        return False
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in b):
        if not o_varargs:
            return False
    elif not o_varargs and len(o_pos) < len(b_pos):
        return False
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in b) and not o_varkw:
        return False
    by_name = {p.name for p in o if p.kind is not inspect.Parameter.POSITIONAL_ONLY}
    keywords = [
        p.name
        for p in b[1:]
        if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    ]
    return o_varkw or all(k in by_name for k in keywords)


def _is_data_descriptor(value: Any) -> bool:
    kind = type(value)
    return hasattr(kind, "__get__") and (hasattr(kind, "__set__") or hasattr(kind, "__delete__"))


def _settable(member: Any) -> bool:
    """Whether assigning the member's name on an instance goes through a setter (`text`,
    `id`); the Rust fields under GTag that reach here (`parent`, `root`, `childs`) are
    read-only."""
    return isinstance(member, property) and member.fset is not None
