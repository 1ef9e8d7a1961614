#!/usr/bin/env python3
"""The public symbol set, three ways, must be one set (the model: libxkbcommon's
test/symbols-leak-test.py and libcurl's symbols-in-versions test).

1. the linker version script (src/libiv.map): names under `global:`;
2. the dynamic symbols the shared library defines (`nm -D --defined-only`), without
   the version node names (absolute symbols such as LIBIV_1);
3. the functions declared with IV_API in include/ — each one documented, i.e. right
   after a `/** ... */` comment.

usage: check_symbols.py MAP LIBRARY INCLUDE_DIR [NM]
Prints every difference; exits 1 when there is one."""
import os
import re
import subprocess
import sys


def map_symbols(path):
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"#[^\n]*", " ", text)
    syms = set()
    nodes = re.findall(r"(\w+)\s*\{(.*?)\}\s*\w*\s*;", text, flags=re.S)
    if not nodes:
        sys.exit(f"{path}: no version node found")
    for _node, body in nodes:
        # only the global: part of each node (local: *; hides the rest)
        m = re.search(r"global:(.*?)(local:|$)", body, flags=re.S)
        if not m:
            continue
        for item in m.group(1).split(";"):
            item = item.strip()
            if item:
                syms.add(item)
    return syms, [n for n, _ in nodes]


def exported_symbols(lib, nm, nodes):
    out = subprocess.run([nm, "-D", "--defined-only", lib], check=True,
                         capture_output=True, text=True).stdout
    syms = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        kind, name = parts[1], parts[2].split("@")[0]
        if kind == "A" and name in nodes:
            continue  # the version node itself
        syms.add(name)
    return syms


DECL = re.compile(r"\bIV_API\b")
NAME = re.compile(r"[^;{(]*?\b(\w+)\s*\(", re.S)


def declared_symbols(incdir):
    syms, undocumented = set(), []
    for root, _dirs, files in os.walk(incdir):
        for f in sorted(files):
            if not f.endswith(".h"):
                continue
            path = os.path.join(root, f)
            text = open(path, encoding="utf-8").read()
            for m in DECL.finditer(text):
                line_start = text.rfind("\n", 0, m.start()) + 1
                if text[line_start:m.start()].lstrip().startswith("#"):
                    continue  # the IV_API macro's own definition
                d = NAME.match(text, m.end())
                if not d:
                    continue  # not a function (IV_API on a variable would show as missing)
                name = d.group(1)
                syms.add(name)
                before = text[:line_start].rstrip()
                opening = before.rfind("/*")
                if not before.endswith("*/") or not before.startswith("/**", opening):
                    undocumented.append(f"{path}: {name}")
    return syms, undocumented


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    mapfile, lib, incdir = sys.argv[1:4]
    nm = sys.argv[4] if len(sys.argv) > 4 else "nm"
    in_map, nodes = map_symbols(mapfile)
    exported = exported_symbols(lib, nm, nodes)
    declared, undocumented = declared_symbols(incdir)
    bad = 0
    for what, a, b in (("in the map but not exported", in_map, exported),
                       ("exported but not in the map", exported, in_map),
                       ("declared IV_API but not in the map", declared, in_map),
                       ("in the map but not declared IV_API", in_map, declared)):
        for s in sorted(a - b):
            print(f"{what}: {s}")
            bad += 1
    for u in undocumented:
        print(f"IV_API declaration without a /** */ comment: {u}")
        bad += 1
    print(f"{len(in_map)} in the map, {len(exported)} exported, {len(declared)} declared; "
          f"{bad} problem(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
