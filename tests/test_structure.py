"""The package's shape (issue 11): no module uses another module's private names, and the
modules import one another without a cycle (imports inside functions count too: a cycle
broken only by a late import is still a cycle). Imports under ``if TYPE_CHECKING:`` are for
the type checker alone and do not count."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "ncctd_cli"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def resolve(current: str, is_package: bool, level: int, target: str | None) -> str:
    """The absolute name of ``from <level dots><target> import ...`` written in ``current``."""
    if level == 0:
        return target or ""
    base = current.split(".") if is_package else current.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, target] if target else base)


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


class Imports(ast.NodeVisitor):
    """Every import of a module (skipping ``if TYPE_CHECKING:`` blocks) and every private
    name it takes from another module of the package."""

    def __init__(self, name: str, is_package: bool) -> None:
        self.name = name
        self.is_package = is_package
        self.imported: set[str] = set()
        self.private: list[str] = []
        self.aliases: dict[str, str] = {}  # a local name bound to a package module

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
            isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
        ):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.startswith("ncctd_cli"):
                self.imported.add(alias.name)
                self.aliases[alias.asname or alias.name.split(".")[0]] = alias.name

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        source = resolve(self.name, self.is_package, node.level, node.module)
        if not source.startswith("ncctd_cli"):
            return
        for alias in node.names:
            submodule = f"{source}.{alias.name}"
            if submodule in MODULES:  # `from . import layouts`
                self.imported.add(submodule)
                self.aliases[alias.asname or alias.name] = submodule
                continue
            self.imported.add(source)
            if is_private(alias.name) and source != self.name:
                self.private.append(f"{self.name}: from {source} import {alias.name}")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.value, ast.Name) and node.value.id in self.aliases and is_private(node.attr):
            target = self.aliases[node.value.id]
            if target != self.name:
                self.private.append(f"{self.name}: {target}.{node.attr}")
        self.generic_visit(node)


def scan() -> dict[str, Imports]:
    found = {}
    for name, path in MODULES.items():
        visitor = Imports(name, path.name == "__init__.py")
        visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
        found[name] = visitor
    return found


def test_no_module_uses_a_private_name_of_another() -> None:
    private = [line for visitor in scan().values() for line in visitor.private]
    assert not private, "\n".join(private)


def test_the_package_has_no_import_cycle() -> None:
    graph: dict[str, set[str]] = {}
    for name, visitor in scan().items():
        edges = set()
        for target in visitor.imported:
            # `from .checks import X` imports the package ncctd_cli.checks (its __init__)
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name and target != "ncctd_cli":
                edges.add(target)
        graph[name] = edges
    # a package's __init__ imports its own modules: an edge from a submodule to its package
    # (`from . import x` inside ncctd_cli.checks.foo) is the package's own business
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not cycles, "\n".join(" → ".join(c) for c in cycles)


def test_the_scanner_sees_what_it_must() -> None:
    """The scanner itself: a private import and a cycle in made-up modules are found."""
    visitor = Imports("ncctd_cli.a", False)
    visitor.visit(ast.parse("from .b import _hidden\nfrom . import sheets\nsheets._cells\n"))
    assert visitor.private == ["ncctd_cli.a: from ncctd_cli.b import _hidden", "ncctd_cli.a: ncctd_cli.sheets._cells"]
    visitor = Imports("ncctd_cli.a", False)
    visitor.visit(ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .b import _T\n"))
    assert visitor.private == [] and visitor.imported == set()


def test_no_merge_conflict_markers_are_left() -> None:
    """A merge's ``<<<<<<<``/``>>>>>>>`` lines never land in the code or the docs."""
    root = Path(__file__).resolve().parents[1]
    found = []
    for path in [*root.glob("ncctd_cli/**/*.py"), *root.glob("docs/**/*.md"), *root.glob("*.md"), *root.glob("tests/*.py")]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.startswith(("<<<<<<< ", ">>>>>>> ")):
                found.append(f"{path.relative_to(root)}:{number}")
    assert not found
