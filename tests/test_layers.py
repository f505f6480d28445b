"""The house keeps its layers: no import cycle, and no import up the order in docs/design.md."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"


def layer_table() -> list[tuple[str, list[str]]]:
    """(layer name, module prefixes) bottom up, read from docs/design.md."""
    text = (ROOT / "docs" / "design.md").read_text()
    block = text.split("<!-- layers:begin -->", 1)[1].split("<!-- layers:end -->", 1)[0]
    layers = []
    for row in block.splitlines():
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        if len(cells) < 2 or cells[0] in ("layer", "") or set(cells[0]) <= set("-"):
            continue
        layers.append((cells[0], re.findall(r"`(irqemu[\w.]*)`", cells[1])))
    return layers


def modules() -> dict[str, Path]:
    out = {}
    for p in sorted(SRC.rglob("*.py")):
        parts = list(p.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    for p in sorted(SRC.rglob("*.pyx")):
        out[".".join(p.relative_to(SRC).with_suffix("").parts)] = p
    return out


MODULES = modules()


def _resolve(name: str) -> str:
    while name and name not in MODULES:
        name = name.rsplit(".", 1)[0] if "." in name else ""
    return name


def imports() -> list[tuple[str, str, int, bool]]:
    """(importer, imported module, line, under TYPE_CHECKING) for every irqemu import."""
    edges: list[tuple[str, str, int, bool]] = []
    for mod, path in MODULES.items():
        if path.suffix != ".py":
            continue
        pkg = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        tree = ast.parse(path.read_text(), str(path))

        def walk(node: ast.AST, typing_only: bool, mod: str = mod, pkg: str = pkg) -> None:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                for n in node.body:
                    walk(n, True)
                for n in node.orelse:
                    walk(n, typing_only)
                return
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
                    base = ".".join(parts + ([node.module] if node.module else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
                           for a in node.names]
            for t in targets:
                r = _resolve(t)
                if r.startswith("irqemu") and r != mod:
                    edges.append((mod, r, node.lineno, typing_only))
            for child in ast.iter_child_nodes(node):
                walk(child, typing_only)

        walk(tree, False)
    return edges


def layer_of(mod: str, layers: list[tuple[str, list[str]]]) -> int | None:
    if mod == "irqemu":
        return -1  # the package face: a version string, imports nothing
    for i, (_, prefixes) in enumerate(layers):
        if any(mod == p or mod.startswith(p + ".") for p in prefixes):
            return i
    return None


def test_design_md_has_the_layer_table() -> None:
    names = [n for n, _ in layer_table()]
    assert names[0] == "ground" and names[-1] == "use", names
    assert "boards" in names and names.index("boards") == names.index("devices") + 1


def test_every_module_has_a_layer() -> None:
    layers = layer_table()
    missing = [m for m in MODULES if layer_of(m, layers) is None]
    assert not missing, f"modules in no layer of docs/design.md: {missing}"


def upward(edges: list[tuple[str, str, int, bool]],
           layers: list[tuple[str, list[str]]]) -> list[str]:
    """Every import of a module from a higher layer, as a readable line."""
    bad = []
    for a, b, line, _ in edges:
        la, lb = layer_of(a, layers), layer_of(b, layers)
        if la is not None and lb is not None and lb > la:
            bad.append(f"{a}:{line} imports {b} ({layers[la][0]} -> {layers[lb][0]})")
    return bad


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        work = [(root, iter(sorted(graph[root])))]
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        found.append(sorted(comp))
    return found


def test_no_import_goes_up_the_layer_order() -> None:
    bad = upward(imports(), layer_table())
    assert not bad, "imports up the layer order:\n" + "\n".join(bad)


def test_no_import_cycle() -> None:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for a, b, _, typing_only in imports():
        if not typing_only:
            graph[a].add(b)
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_the_checks_can_fail() -> None:
    """A made-up upward import and a made-up cycle are both reported."""
    layers = layer_table()
    assert upward([("irqemu.arch.armv7", "irqemu.machine.machine", 1, False)], layers)
    assert upward([("irqemu.devices.gic", "irqemu.kernel", 1, True)], layers)
    assert not upward([("irqemu.kernel", "irqemu.devices.gic", 1, False)], layers)
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
