"""Checks that keep the package layout honest (issue 14), read from the source with ``ast``.

* **HACKING.md's Layout is the tree**: every module and package it lists exists, and every module
  under ``minik8s/`` is listed (a ``*`` in a name stands for several modules, at least one).

* **No import cycle** among the engine's modules (module-level imports; importing a module also
  runs its packages' ``__init__``).
* **No function-level import that hides a cycle**: an import inside a function of module A of a
  module B that (through module-level imports) imports A.
* **Components talk through the API server**: no module of one component package imports a module
  of another component package, except through the seams listed in :data:`SEAMS`; the shared layer
  imports no component; nothing in the engine imports the notebook facade (``cluster``, ``notebook``,
  ``viz``, ``server``, ``grading``).
* **No wall clock and no unseeded randomness** in the engine: virtual time only (``clock.now``),
  randomness only from a seeded ``random.Random`` (the cluster's ``rng`` or one derived from the
  seed). ``server/`` (a real HTTP server) and ``grading.py`` (real processes) are outside.

Anything still in the way is listed by name in :data:`EXCEPTIONS` with why; the test fails both
when a new violation appears and when a listed one is gone (so the list only shrinks).
"""

from __future__ import annotations

import ast
import re
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "minik8s"

# Component packages (one Kubernetes component each) and the notebook-side facade. Everything else
# under minik8s/ (api/, store, clock, component, errors, trace, params, manifests, storage/) is the
# shared layer, which components may import and which imports no component.
COMPONENTS = ("apiserver", "scheduler", "controllers", "kubelet", "runtime", "net", "kubectl")
FACADE = ("__init__", "__main__", "cluster", "notebook", "viz", "server", "grading")
# Packages that belong to a component although they sit beside it (none today: storage/ is the
# shared backend, the kubelet's volume manager is kubelet/volumes.py).
PART_OF: dict[str, str] = {}

# Documented seams between components: (importing package, imported module or package) -> why.
SEAMS = {
    ("kubelet", "runtime"): "the kubelet drives its own node's container runtime (the CRI)",
    ("runtime", "net.podnetwork"): "containerd plugs pod sandboxes into the pod network (CNI); "
                                   "processes open connections on it",
    ("kubelet", "net.podnetwork"): "probes and lifecycle hooks see the wire's errors (refused, timeout) "
                                   "raised by the runtime's HTTP/TCP calls",
    ("kubelet", "net.dns_config"): "the kubelet writes each sandbox's /etc/resolv.conf from the pod's "
                                   "dnsPolicy (upstream: pkg/kubelet/network/dns)",
}

# Known violations, each by name and why; the test fails when one of these disappears too.
EXCEPTIONS = {
    # The hostPath provisioner writes the disk it provisions into the cluster's storage backend
    # (ctx.disks) as a runtime Dir (the runtime's filesystem type): a backend disk type in the shared
    # layer would remove this.
    ("component", "minik8s.controllers.provisioner", "minik8s.runtime"):
        "the provisioner creates the backend disk as a runtime Dir",
    ("upward", "minik8s.kubectl.cmd_port_forward", "minik8s.notebook.net"):
        "kubectl port-forward reuses the notebook's forwarder, which reaches the pod's sandbox through "
        "Cluster.kubelets (no port-forward subresource through the API server yet)",
}

# Function-level imports that hide a cycle: name each here, with why (none today).
HIDDEN_CYCLE_EXCEPTIONS: dict[tuple[str, str], str] = {}

# Engine modules that are real processes, not simulation: wall clock and OS randomness are theirs.
REAL_PROCESSES = ("server", "grading", "__main__")

WALL_CLOCK = {("time", "time"), ("time", "time_ns"), ("time", "monotonic"), ("time", "perf_counter"),
              ("time", "sleep"), ("time", "process_time"), ("datetime", "now"), ("datetime", "utcnow"),
              ("datetime", "today"), ("date", "today"), ("uuid", "uuid1"), ("uuid", "uuid4"),
              ("os", "urandom"), ("secrets", "token_hex"), ("secrets", "randbelow"), ("secrets", "choice")}
RANDOM_FUNCTIONS = {"random", "randrange", "randint", "choice", "choices", "shuffle", "sample", "uniform",
                    "gauss", "getrandbits", "seed", "randbytes", "triangular", "expovariate"}


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


MODULES = modules()


def is_package(name: str) -> bool:
    return MODULES.get(name, Path()).name == "__init__.py"


def resolve(name: str, node: ast.ImportFrom | ast.Import) -> list[str]:
    """The minik8s modules an import statement in module ``name`` loads."""
    out = []
    if isinstance(node, ast.Import):
        targets = [a.name for a in node.names]
    else:
        if node.level:
            base = name.split(".")
            if not is_package(name):
                base = base[:-1]
            base = base[:len(base) - (node.level - 1)]
            mod = ".".join(base + ([node.module] if node.module else []))
        else:
            mod = node.module or ""
        # `from pkg import mod` loads pkg and pkg.mod: the dependency is on pkg.mod; `from mod import
        # name` on mod
        targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in MODULES else mod for a in node.names]
    for t in targets:
        if not t.startswith("minik8s"):
            continue
        while t and t not in MODULES:
            t = t.rpartition(".")[0]
        if t:
            out.append(t)
    return sorted(set(out))


def imports(name: str):
    """(module-level imports, function-level imports) of module ``name``: lists of (target, lineno)."""
    tree = ast.parse(MODULES[name].read_text())
    top, inner = [], []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                for t in resolve(name, child):
                    (inner if in_function else top).append((t, child.lineno))
            visit(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))
    visit(tree, False)
    return top, inner


IMPORTS = {name: imports(name) for name in MODULES}


def ancestors(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def graph() -> dict[str, set[str]]:
    """Module-level import edges, each import also loading the imported module's packages (except
    the importer's own packages, which are already being loaded when it runs)."""
    g = {}
    for name, (top, _inner) in IMPORTS.items():
        mine = set(ancestors(name))
        edges = set()
        for t, _line in top:
            for m in ancestors(t) + [t]:
                if m in MODULES and m not in mine and m != name:
                    edges.add(m)
        g[name] = edges
    return g


GRAPH = graph()


def reaches(src: str, dst: str) -> bool:
    seen, todo = set(), [src]
    while todo:
        m = todo.pop()
        if m == dst:
            return True
        if m in seen:
            continue
        seen.add(m)
        todo.extend(GRAPH.get(m, ()))
    return False


def cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(GRAPH[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))
    for v in sorted(GRAPH):
        if v not in index:
            strong(v)
    return out


def layer(name: str) -> tuple[str, str]:
    """("component", package) / ("facade", first part) / ("shared", first part)."""
    first = name.split(".")[1] if "." in name else "__init__"
    first = PART_OF.get(first, first)
    if first in COMPONENTS:
        return "component", first
    if first in FACADE:
        return "facade", first
    return "shared", first


def seam_allows(src_pkg: str, target: str) -> bool:
    rel = target.split(".", 1)[1]
    first, _, rest = rel.partition(".")
    rel = ".".join(filter(None, [PART_OF.get(first, first), rest]))
    return any(src_pkg == a and (rel == b or rel.startswith(b + ".")) for a, b in SEAMS)


def violations() -> set:
    found = {}
    for name, (top, inner) in IMPORTS.items():
        kind, pkg = layer(name)
        for t, line in top + inner:
            tkind, tpkg = layer(t)
            where = f"{MODULES[name].relative_to(ROOT.parent)}:{line}"
            if kind == "facade":
                continue                                # the facade wires everything
            if tkind == "facade" and t != "minik8s":
                found[("upward", name, t)] = where
            elif kind == "component" and tkind == "component" and tpkg != pkg and not seam_allows(pkg, t):
                found[("component", name, t)] = where
            elif kind == "shared" and tkind == "component":
                found[("shared", name, t)] = where
    return found


def test_no_import_cycle():
    assert cycles() == []


def test_no_function_level_import_hides_a_cycle():
    hidden = {(name, t): f"{name} imports {t} in a function (line {line}), and {t} imports {name}"
              for name, (_top, inner) in IMPORTS.items() for t, line in inner if reaches(t, name)}
    assert {k: v for k, v in hidden.items() if k not in HIDDEN_CYCLE_EXCEPTIONS} == {}
    assert [k for k in HIDDEN_CYCLE_EXCEPTIONS if k not in hidden] == [], "remove from HIDDEN_CYCLE_EXCEPTIONS"


def test_components_import_only_their_own_package_the_shared_layer_and_documented_seams():
    found = violations()
    new = {k: v for k, v in found.items() if k not in EXCEPTIONS}
    gone = [k for k in EXCEPTIONS if k not in found]
    assert new == {}, "cross-component or upward imports (route them through the API server, the shared layer, " \
                      "or document a seam in SEAMS): " + repr(new)
    assert gone == [], f"listed exceptions that no longer happen (remove them from EXCEPTIONS): {gone}"


def calls_outside_virtual_time(name: str) -> list[str]:
    tree = ast.parse(MODULES[name].read_text())
    aliases = {}         # local name -> (module, attribute) for `from time import time` and such
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in ("time", "datetime", "random", "uuid", "os",
                                                                "secrets"):
            for a in node.names:
                aliases[a.asname or a.name] = (node.module, a.name)
    bad = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
            pair = (f.value.id, f.attr)
            if f.value.id in aliases:               # `from datetime import datetime; datetime.now()`
                pair = (aliases[f.value.id][1], f.attr)
        elif isinstance(f, ast.Name) and f.id in aliases:
            pair = aliases[f.id]
        else:
            continue
        if pair in WALL_CLOCK:
            bad.append(f"{name}:{node.lineno} {pair[0]}.{pair[1]}()")
        elif pair[0] == "random" and pair[1] in RANDOM_FUNCTIONS:
            bad.append(f"{name}:{node.lineno} random.{pair[1]}() (the process-wide generator)")
        elif pair == ("random", "Random") and not node.args and not node.keywords:
            bad.append(f"{name}:{node.lineno} random.Random() without a seed")
    return bad


def test_no_wall_clock_or_unseeded_randomness_in_the_engine():
    bad = []
    for name in MODULES:
        if layer(name)[1] in REAL_PROCESSES:
            continue
        bad += calls_outside_virtual_time(name)
    assert bad == []


def test_the_checks_see_what_they_check():
    """The checks must not pass because they look at nothing: the modules are found, imports resolved."""
    assert {"minik8s.cluster", "minik8s.scheduler.framework", "minik8s.net.kube_proxy"} <= set(MODULES)
    assert "minik8s.scheduler.profile" in GRAPH["minik8s.scheduler.framework"]
    assert reaches("minik8s.cluster", "minik8s.store")
    assert calls_outside_virtual_time.__name__ and layer("minik8s.kubelet.kubelet") == ("component", "kubelet")


ENTRY = re.compile(r"^[A-Za-z_*][\w*]*(\.py|/)$")


def layout_entries() -> list[str]:
    """The paths HACKING.md's Layout block names, relative to the repository (``minik8s/api/meta.py``).
    Two spaces of indentation per level; a line starts with one or more names (``foo.py``, ``bar/``),
    then a description; a line starting with anything else continues the description above."""
    text = (ROOT.parent / "HACKING.md").read_text()
    section = text[text.index("## Layout"):]
    block = section[section.index("```") + 3:]
    block = block[block.index("\n") + 1:block.index("```")]
    stack: list[str] = []
    out = []
    for line in block.splitlines():
        if not line.strip():
            continue
        depth = (len(line) - len(line.lstrip(" "))) // 2
        for token in line.split():
            if not ENTRY.match(token):
                break
            path = "/".join(stack[:depth] + [token.rstrip("/")])
            out.append(path + ("/" if token.endswith("/") else ""))
            if token.endswith("/"):
                del stack[depth:]
                stack.append(token.rstrip("/"))
    return out


def test_hacking_layout_is_the_tree():
    entries = layout_entries()
    repo = ROOT.parent
    modules = sorted(str(p.relative_to(repo)) for p in ROOT.rglob("*.py") if p.name != "__init__.py")
    packages = sorted(str(p.parent.relative_to(repo)) + "/" for p in ROOT.rglob("__init__.py"))
    missing_on_disk = [e for e in entries
                       if not ([m for m in modules + packages + ["minik8s/__init__.py"] if fnmatch(m, e)])]
    assert missing_on_disk == [], f"HACKING.md's Layout names what does not exist: {missing_on_disk}"
    unlisted = [m for m in modules + packages if not any(fnmatch(m, e) for e in entries)]
    assert unlisted == [], f"modules and packages missing from HACKING.md's Layout: {unlisted}"
    assert "minik8s/scheduler/plugins/noderesources.py" in entries     # the parser reads nesting
