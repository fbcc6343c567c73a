"""The package's import graph: dependencies point one way (interfaces -> service -> views -> rehearsals ->
analysis -> core) and no module imports itself through others. Every import counts: at the top of a module,
inside a function, or only for type checking."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "speechcase"

#: Lower numbers are lower layers; a module may import its own layer and the ones below.
LAYERS = {
    "speechcase.core": 0, "speechcase.data": 0, "speechcase.schemas": 0,
    "speechcase.analysis": 1,
    "speechcase.rehearsals": 2,
    "speechcase.views": 3,
    "speechcase.service": 4,
    "speechcase.interfaces": 5,
    "speechcase": 6,  # the facade (__init__, __main__): nothing inside the package may import it
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def layer(module: str) -> int:
    owner = max((prefix for prefix in LAYERS if module == prefix or module.startswith(prefix + ".")), key=len)
    return LAYERS[owner]


def imports_of(module: str, path: Path) -> set[str]:
    """Every speechcase module ``module`` imports, anywhere in its code."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            # ``from pkg import name`` imports the submodule pkg.name when there is one
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        else:
            continue
        found.update(t for t in targets if t == "speechcase" or t.startswith("speechcase."))
    found.discard(module)
    return found


GRAPH = {module: imports_of(module, path) for module, path in MODULES.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each a cycle of imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_import_points_down_the_layers():
    upward = [f"{source} (layer {layer(source)}) imports {target} (layer {layer(target)})"
              for source, targets in GRAPH.items() for target in sorted(targets) if layer(target) > layer(source)]
    assert not upward, "\n".join(upward)


def test_no_import_cycle():
    assert cycles(GRAPH) == []


BATCH = "speechcase.interfaces.batch"


def test_the_batch_interface_stands_apart():
    """The batch package builds on the service and the layers below it (never on another interface), and only
    the ``speechcase batch`` command and the web app's batches (their intake reads manifests; their driver, a
    process of its own, runs Dask) import it: Dask is an optional extra, so nothing else may need it."""
    inside = {m for m in GRAPH if m == BATCH or m.startswith(BATCH + ".")}
    assert inside, "the batch package is where the checks look for it"
    wrong = [f"{m} imports {t}" for m in inside for t in GRAPH[m]
             if t.startswith("speechcase.interfaces.") and not (t == BATCH or t.startswith(BATCH + "."))]
    assert not wrong, "\n".join(wrong)
    users = {m for m, targets in GRAPH.items() if m not in inside
             for t in targets if t == BATCH or t.startswith(BATCH + ".")}
    assert users == {"speechcase.interfaces.cli.batch", "speechcase.interfaces.web.batch_intake",
                     "speechcase.interfaces.web.batch_driver"}


def test_the_checks_see_what_they_should():
    """The graph is read from real code (function-level imports included), and a cycle would be caught."""
    assert "speechcase.rehearsals.store" in GRAPH["speechcase.rehearsals.reviews"]
    assert "speechcase.service" in GRAPH["speechcase.interfaces.cli.analysis"]  # imported inside the command
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    with pytest.raises(ValueError):
        layer("elsewhere")


def test_the_web_app_is_a_leaf():
    """Nothing imports the web package (``speechcase serve`` starts it through uvicorn's import string), and the
    web package does not reach into the CLI."""
    web = "speechcase.interfaces.web"
    into = [f"{source} imports {target}" for source, targets in GRAPH.items() if not source.startswith(web)
            for target in sorted(targets) if target.startswith(web)]
    out = [f"{source} imports {target}" for source, targets in GRAPH.items() if source.startswith(web)
           for target in sorted(targets) if target.startswith("speechcase.interfaces.cli")]
    assert any(m.startswith(web) for m in GRAPH), "the web package was not found"
    assert not into and not out, "\n".join(into + out)
