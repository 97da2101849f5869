"""The house rules of `service/`, checked from its source (no imports executed).

They keep the codebase one a newcomer can live in: layers that only point one way, modules
small enough to read in one sitting, Graph's wire format kept inside `service/graph`, and ORM
rows kept inside `service/store`.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICE = ROOT / "service"
MAX_LINES = 600
# Generated or data-only modules that may be longer (none today; name them here with why).
LONG_ALLOWED: set[str] = set()


def _modules() -> dict[str, Path]:
    mods: dict[str, Path] = {}
    for path in SERVICE.rglob("*.py"):
        rel = path.relative_to(ROOT).with_suffix("")
        parts = list(rel.parts)
        if "migrations" in parts:
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = path
    return mods


def _imports(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    """Modules of `service` that `module` imports (at any depth of its code)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for candidate in [target, *(f"{target}.{a.name}" for a in node.names)]:
                if candidate in known and candidate != module:
                    found.add(candidate)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in known and a.name != module)
    return found


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    return {m: _imports(m, p, mods) for m, p in mods.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles() -> None:
    assert _cycles(_graph()) == []


def test_no_module_over_the_size_limit() -> None:
    long = {
        m: n
        for m, p in _modules().items()
        if m not in LONG_ALLOWED
        and (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_graph_package_never_imports_the_sandbox() -> None:
    graph = _graph()
    offenders = {
        m: sorted(i for i in deps if ".sandbox" in i)
        for m, deps in graph.items()
        if m.startswith("service.graph") and any(".sandbox" in i for i in deps)
    }
    assert offenders == {}


def test_jobs_never_import_orm_rows() -> None:
    graph = _graph()
    offenders = {
        m: sorted(deps & {"service.store.models"})
        for m, deps in graph.items()
        if m.startswith("service.jobs") and "service.store.models" in deps
    }
    assert offenders == {}


# Keys only Graph's JSON has; a job reading them is reading the wire format.
GRAPH_KEYS = {
    "@odata.nextLink", "@odata.deltaLink", "@odata.etag", "dateTime", "timeZone",
    "responseStatus", "seriesMasterId", "iCalUId", "singleValueExtendedProperties",
    "emailAddress", "contentType", "isCancelled", "scheduleItems", "bodyPreview",
}
# A Graph resource path: /users/..., /me/..., /groups/..., $batch.
GRAPH_PATH = re.compile(r"^/(users|me|groups|\$batch|subscriptions|directoryObjects)\b")
# Field names Graph events and messages share with our records: read by subscript, they are a
# dict from the wire (records are read by attribute).
GRAPH_FIELDS = {"body", "start", "end", "attendees", "subject", "organizer", "showAs", "value"}


def _graph_touches(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    hits: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value in GRAPH_KEYS or GRAPH_PATH.match(node.value):
                hits.append(f"{path.name}:{node.lineno}: {node.value!r}")
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.slice, ast.Constant)
            and node.slice.value in GRAPH_FIELDS
        ):
            hits.append(f"{path.name}:{node.lineno}: [{node.slice.value!r}]")
        elif isinstance(node, ast.JoinedStr):
            head = node.values[0] if node.values else None
            if isinstance(head, ast.Constant) and GRAPH_PATH.match(str(head.value)):
                hits.append(f"{path.name}:{node.lineno}: f-string Graph path")
    return hits


def test_no_job_touches_a_graph_dict_or_url() -> None:
    hits = [hit for p in sorted((SERVICE / "jobs").glob("*.py")) for hit in _graph_touches(p)]
    assert hits == []


IO_LAYERS = ("service.graph", "service.store", "service.sandbox")


def test_domain_does_no_io() -> None:
    """The domain is pure: it never imports the Graph, store, or sandbox layers."""
    graph = _graph()
    offenders = {
        m: sorted(d for d in deps if d.startswith(IO_LAYERS))
        for m, deps in graph.items()
        if m.startswith("service.domain")
    }
    assert {m: d for m, d in offenders.items() if d} == {}


def test_test_modules_have_unique_basenames() -> None:
    """pytest imports test files by basename (the test folders are not packages): two
    files with one name in different tiers make the whole run fail to collect."""
    from collections import Counter
    from pathlib import Path

    tests = Path(__file__).resolve().parents[1]
    names = Counter(p.name for p in tests.rglob("test_*.py"))
    assert [n for n, c in names.items() if c > 1] == []


def _text_io_without_encoding(tree: ast.AST) -> list[int]:
    """Lines of text-mode file reads/writes that leave the encoding to the machine's locale
    (``read_text``/``write_text``/``open`` in text mode without ``encoding=``)."""
    found: list[int] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or any(k.arg == "encoding" for k in node.keywords):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in ("read_text", "write_text"):
            found.append(node.lineno)
        elif isinstance(func, ast.Name) and func.id == "open":
            mode = node.args[1] if len(node.args) > 1 else next(
                (k.value for k in node.keywords if k.arg == "mode"), None)
            if not (isinstance(mode, ast.Constant) and "b" in str(mode.value)):
                found.append(node.lineno)
    return found


def test_text_files_say_their_encoding() -> None:
    """Pages, configs and schemas are UTF-8 whatever the machine's locale: Python's default
    is the locale's encoding (cp1252 on Windows, Latin-1 on some servers), where a page with
    "é" or "–" in it fails to write or reads back garbled."""
    bad = [f"{path.relative_to(ROOT)}:{line}" for path in sorted(SERVICE.rglob("*.py"))
           for line in _text_io_without_encoding(ast.parse(path.read_text(encoding="utf-8")))]
    assert bad == [], "say encoding=\"utf-8\" at " + ", ".join(bad)
