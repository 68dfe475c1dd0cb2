"""The architecture as a test: `htag.core` never imports `htag.server`, and no
module of the package imports one that imports it back (read from the installed
package's source; imports inside functions count, imports for type checkers only
do not, since they never run)."""

from __future__ import annotations

import ast
from pathlib import Path

import htag

PACKAGE = Path(htag.__file__).parent


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """htag modules that `path` imports (relative imports resolved)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text())
    type_only = {
        id(n)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and ast.unparse(block.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
        for n in ast.walk(block)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("htag"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("htag"):
                continue
            # `from . import x` imports module x; `from .m import name` imports module m
            submodules = {f"{target}.{a.name}" for a in node.names} & MODULES
            found.update(submodules or {target})
    return found


SOURCES = {module_name(p): p for p in PACKAGE.rglob("*.py")}
MODULES = set(SOURCES) | {"htag._core"}


def graph() -> dict[str, set[str]]:
    """module -> the htag modules it imports; a package's re-exports of its own
    modules are not edges (the package sits above them)."""
    return {
        name: {m for m in imports_of(path) if m in MODULES and m != name and not m.startswith(name + ".")}
        for name, path in SOURCES.items()
    }


def test_core_does_not_import_the_web_layer():
    offenders = {
        name: sorted(m for m in deps if m.startswith("htag.server") or m in ("htag.router", "htag.runners"))
        for name, deps in graph().items()
        if name.startswith("htag.core")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_import_cycles():
    edges = graph()
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for dep in sorted(edges.get(node, ())):
            if state.get(dep) == 1:
                cycles.append(stack[stack.index(dep) :] + [dep])
            elif dep not in state:
                visit(dep, [*stack, dep])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_old_import_paths_are_the_moved_modules():
    import htag.core.state
    import htag.server.webapp
    import htag.state
    import htag.tag
    import htag.web

    assert htag.state is htag.core.state
    assert htag.web is htag.server.webapp
    assert htag.tag.Tag is htag.Tag and htag.tag.GTag is htag.GTag
    assert htag.state.__spec__.name == "htag.core.state"  # the alias does not rename the module


def test_testing_sits_above_the_server():
    """`htag.testing` drives the web layer (an App through its ASGI application); no
    module of the package but its own imports it."""
    importers = {
        name
        for name, deps in graph().items()
        if not name.startswith("htag.testing") and any(d.startswith("htag.testing") for d in deps)
    }
    assert importers == set()
    assert "htag.server.webapp" in graph()["htag.testing.client"]
