#!/usr/bin/env python3
"""The dependency rule of src/ (src/README.md), checked.

1. Layers: a file of src/LAYER/ includes headers of its own layer or of a layer below
   (util <- math <- data <- query <- analytics <- cli), never of a layer above; the CLI
   includes only its own headers and the public ones (iv.h, iv/*.h).
2. Names: every global symbol the library's objects define is iv_ (public) or iv__
   (private); anything else is static.
3. No cycle between files: a module is a .c file with the .h of the same name beside it;
   module A depends on B when a file of A includes B's header (include edge) or when A's
   object file uses a symbol that B's object file defines (call edge, from `nm`). Every
   strongly connected component of that graph must be a single module.

usage: structure_check.py SRC_DIR OBJECT_OR_ARCHIVE_OR_DIR...
       structure_check.py --self-test     (proves the checker finds what it must)
Exit status 0 when the rule holds, 1 with one line per violation otherwise.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from typing import Dict, Iterable, List, Optional, Set, Tuple

LAYERS = ["util", "math", "data", "query", "analytics", "cli"]
# The order the build searches the layer folders for a bare #include "x.h" (src/meson.build).
SEARCH = ["util", "math", "data", "query", "analytics"]
INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def list_sources(src: str) -> List[str]:
    """Every .c and .h under the layer folders, as 'layer/name.ext'."""
    out = []
    for layer in LAYERS:
        d = os.path.join(src, layer)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if name.endswith((".c", ".h")):
                out.append(layer + "/" + name)
    return out


def strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def resolve(src: str, files: Set[str], includer: str, header: str) -> Optional[str]:
    """The file a quoted include names: the includer's folder first, then the layers in
    the build's search order; None for a public header or one outside src/."""
    if header == "iv.h" or header.startswith("iv/"):
        return None
    own = includer.split("/")[0] + "/" + header
    if own in files:
        return own
    for layer in SEARCH:
        cand = layer + "/" + header
        if cand in files:
            return cand
    return None


def module(path: str) -> str:
    return path.rsplit(".", 1)[0]


def include_edges(src: str, files: Set[str]) -> Tuple[List[Tuple[str, str]], List[str]]:
    """(module edges from includes, layer violations)."""
    edges, bad = [], []
    for f in sorted(files):
        with open(os.path.join(src, f), encoding="utf-8", errors="replace") as fh:
            text = strip_comments(fh.read())
        layer = f.split("/")[0]
        for m in INCLUDE_RE.finditer(text):
            target = resolve(src, files, f, m.group(1))
            if target is None:
                continue
            tlayer = target.split("/")[0]
            if LAYERS.index(tlayer) > LAYERS.index(layer):
                bad.append(f"layer: {f} includes {target} ({tlayer} is above {layer})")
            if layer == "cli" and tlayer != "cli":
                bad.append(f"layer: {f} includes {target} (the CLI uses the public API only)")
            if module(target) != module(f):
                edges.append((module(f), module(target)))
    return edges, bad


def object_files(args: Iterable[str]) -> List[str]:
    out = []
    for a in args:
        if os.path.isdir(a):
            for root, _dirs, names in os.walk(a):
                out += [os.path.join(root, n) for n in sorted(names) if n.endswith(".o")]
        else:
            out.append(a)
    return out


def nm_symbols(paths: List[str]) -> Dict[str, Tuple[Set[str], Set[str]]]:
    """member name -> (defined global symbols, undefined symbols)."""
    table: Dict[str, Tuple[Set[str], Set[str]]] = {}
    for p in paths:
        res = subprocess.run(["nm", "-A", p], capture_output=True, text=True, check=True)
        for line in res.stdout.splitlines():
            # archive.a:member.o:[addr] T name   or   file.o:[addr] U name
            head, _, rest = line.rpartition(":")
            parts = rest.split()
            if len(parts) < 2:
                continue
            kind, name = parts[-2], parts[-1]
            member = os.path.basename(head.split(":")[-1] if ":" in head else head)
            d, u = table.setdefault(member, (set(), set()))
            if kind == "U":
                u.add(name)
            elif kind.isupper() and kind not in ("W", "V", "N"):
                d.add(name)
    return table


def object_module(member: str, files: Set[str]) -> Optional[str]:
    """'query_select.c.o' (meson's name for src/query/select.c) -> 'query/select'."""
    base = member[:-2] if member.endswith(".o") else member
    base = base[:-2] if base.endswith(".c") else base
    for layer in LAYERS:
        if base.startswith(layer + "_"):
            cand = layer + "/" + base[len(layer) + 1:]
            if cand + ".c" in files:
                return cand
    for f in files:  # an object named after its source alone
        if f.endswith(".c") and os.path.basename(module(f)) == base:
            return module(f)
    return None


def call_edges(objs: List[str], files: Set[str],
               problems: Optional[List[str]] = None) -> List[Tuple[str, str]]:
    table = nm_symbols(objs)
    owner: Dict[str, str] = {}
    mods: Dict[str, Tuple[Set[str], Set[str]]] = {}
    for member, (d, u) in table.items():
        mod = object_module(member, files)
        if mod is None:
            continue
        mods[mod] = (d, u)
        for s in d:
            owner[s] = mod
            # the naming rule: the library's global names are iv_ (public) or iv__ (private)
            if problems is not None and not mod.startswith("cli/") and not s.startswith("iv_"):
                problems.append(f"name: {mod} defines the global symbol {s} (use iv__ or static)")
    edges = []
    for mod, (_d, u) in mods.items():
        for s in u:
            if s in owner and owner[s] != mod:
                edges.append((mod, owner[s]))
    return edges


def cycles(edges: Iterable[Tuple[str, str]]) -> List[List[str]]:
    """Strongly connected components of more than one node (Tarjan, iterative)."""
    graph: Dict[str, Set[str]] = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    on: Set[str] = set()
    stack: List[str] = []
    out: List[List[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                elif nxt in on:
                    low[v] = min(low[v], index[nxt])
                continue
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
                    out.append(sorted(comp))
    return out


def check(src: str, objs: List[str]) -> List[str]:
    files = set(list_sources(src))
    inc, problems = include_edges(src, files)
    calls = call_edges(object_files(objs), files, problems) if objs else []
    kinds: Dict[Tuple[str, str], Set[str]] = {}
    for e in inc:
        kinds.setdefault(e, set()).add("include")
    for e in calls:
        kinds.setdefault(e, set()).add("call")
    for comp in cycles(kinds):
        inside = set(comp)
        why = sorted(f"{a} -> {b} ({'+'.join(sorted(k))})" for (a, b), k in kinds.items()
                     if a in inside and b in inside)
        problems.append("cycle: " + ", ".join(comp) + ": " + "; ".join(why))
    return problems


def self_test() -> int:
    """A small tree with one layer violation, an include cycle and a call cycle."""
    with tempfile.TemporaryDirectory() as t:
        src = os.path.join(t, "src")
        for layer in ("util", "data", "query"):
            os.makedirs(os.path.join(src, layer))
        tree = {
            "util/a.h": '#include "b.h"\n',           # util includes data: layer violation
            "util/a.c": '#include "a.h"\nint a_f(void) { return 1; }\n',
            "data/b.h": '/* #include "c.h" is a comment */\n',
            "data/b.c": '#include "b.h"\n#include "a.h"\nint b_f(void) { return 2; }\n',
            "query/c.h": "int c_f(void);\n",
            "query/c.c": '#include "c.h"\nint d_f(void);\nint c_f(void) { return d_f(); }\n'
                         'int iv__ok(void) { return 0; }\n',
            "query/d.h": "int d_f(void);\n",
            "query/d.c": '#include "d.h"\nint c_f(void);\nint d_f(void) { return c_f(); }\n',
        }
        for name, text in tree.items():
            with open(os.path.join(src, name), "w") as fh:
                fh.write(text)
        objs = []
        for name in ("query/c.c", "query/d.c"):
            o = os.path.join(t, name.replace("/", "_") + ".o")
            subprocess.run(["cc", "-c", os.path.join(src, name), "-o", o], check=True)
            objs.append(o)
        got = check(src, objs)
    want = [
        "layer: util/a.h includes data/b.h (data is above util)",
        "cycle: data/b, util/a: data/b -> util/a (include); util/a -> data/b (include)",
        "cycle: query/c, query/d: query/c -> query/d (call); query/d -> query/c (call)",
        "name: query/c defines the global symbol c_f (use iv__ or static)",
        "name: query/d defines the global symbol d_f (use iv__ or static)",
    ]
    if sorted(got) != sorted(want):
        print("self-test failed:\n  got  " + "\n  got  ".join(got) + "\n  want " +
              "\n  want ".join(want))
        return 1
    print("self-test: the checker finds a layer violation, an include cycle, a call cycle and bad names")
    return 0


def main(argv: List[str]) -> int:
    if len(argv) == 2 and argv[1] == "--self-test":
        return self_test()
    if len(argv) < 2:
        print(__doc__)
        return 2
    if self_test():
        return 1
    problems = check(argv[1], argv[2:])
    for p in problems:
        print(p)
    nfiles = len(list_sources(argv[1]))
    if problems:
        print(f"{len(problems)} violation(s) of the rule in src/README.md")
        return 1
    print(f"{nfiles} files of src/: every include goes to the same layer or below, no cycle")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
