"""The package's import structure: no cycle between sk_rnn's modules, and sktime imported
only with the forecaster."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import sk_rnn

PACKAGE = Path(sk_rnn.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _exists(name: str) -> bool:
    relative = Path(*name.split("."))
    return (PACKAGE.parent / relative).with_suffix(".py").is_file() or (
        PACKAGE.parent / relative / "__init__.py").is_file()


def _runtime_nodes(tree: ast.AST):
    """Every node of ``tree`` but those under ``if TYPE_CHECKING:`` (never run)."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            todo.extend(node.orelse)
            continue
        todo.extend(ast.iter_child_nodes(node))


def import_graph() -> dict[str, set[str]]:
    """Module -> the sk_rnn modules it imports anywhere it runs (module level or inside
    functions; not under ``if TYPE_CHECKING:``), as parsed from the source."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        name = _module_name(path)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges = graph.setdefault(name, set())
        for node in _runtime_nodes(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - node.level + 1]
                    origin = ".".join(base + ([node.module] if node.module else []))
                else:
                    origin = node.module or ""
                # ``from x import y``: the submodule x.y if there is one, else x
                targets = [f"{origin}.{alias.name}" if _exists(f"{origin}.{alias.name}")
                           else origin for alias in node.names]
            else:
                continue
            edges.update(t for t in targets if t.startswith("sk_rnn") and _exists(t))
        edges.discard(name)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_graph_sees_imports_inside_functions():
    graph = import_graph()
    assert "sk_rnn._accelerate" in graph["sk_rnn._base"]
    assert "sk_rnn.forecasting" in graph["sk_rnn"]  # the lazy import in __getattr__
    assert "sk_rnn._version" in graph["sk_rnn.persistence"]


def test_no_import_cycle():
    """A package's __init__ imports its modules; no module imports back a module that
    (directly or not) imports it, not even inside a function."""
    graph = import_graph()
    cycle = find_cycle(graph)
    assert cycle is None, " -> ".join(cycle)


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def _run(code: str) -> None:
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr


def test_import_and_classifier_do_not_import_sktime():
    _run("""
        import sys
        import numpy as np
        import sk_rnn
        from sk_rnn import RNNClassifier, TextGenerator
        X = np.random.RandomState(0).normal(size=(20, 5))
        RNNClassifier(hidden_size=2, max_epochs=1, device="cpu").fit(X, np.arange(20) % 2)
        assert "sktime" not in sys.modules, "sktime was imported"
        assert sk_rnn.RNNForecaster.__name__ == "RNNForecaster"
        assert "sktime" in sys.modules
        from sk_rnn import RNNForecaster
        assert RNNForecaster is sk_rnn.RNNForecaster and "RNNForecaster" in dir(sk_rnn)
    """)


def test_unknown_attribute():
    try:
        sk_rnn.NoSuchEstimator  # noqa: B018
    except AttributeError as error:
        assert "NoSuchEstimator" in str(error)
    else:
        raise AssertionError("no AttributeError")
