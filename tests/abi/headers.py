#!/usr/bin/env python3
"""Compile every public header alone, as a C99 user with strict warnings would (the
model: libgit2's tests/headertest): each header must include what it needs, be
pedantic-clean and survive being included twice.

usage: headers.py INCLUDE_DIR GENERATED_INCLUDE_DIR CC [CC ARGS...]
Exits 1 when a header fails to compile."""
import os
import subprocess
import sys
import tempfile

FLAGS = ["-std=c99", "-pedantic", "-Werror", "-Wall", "-Wextra", "-Wstrict-prototypes",
         "-Wmissing-prototypes", "-Wshadow", "-fsyntax-only"]


def headers(incdir):
    out = []
    for root, _dirs, files in os.walk(incdir):
        for f in files:
            if f.endswith(".h"):
                out.append(os.path.relpath(os.path.join(root, f), incdir))
    return sorted(out)


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    incdir, geninc, cc = sys.argv[1], sys.argv[2], sys.argv[3:]
    found = headers(incdir) + [h for h in headers(geninc) if h.startswith("iv")]
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for h in found:
            src = os.path.join(tmp, "t.c")
            with open(src, "w", encoding="utf-8") as f:
                f.write(f'#include "{h}"\n#include "{h}"\n'
                        "int iv_headertest(void);\nint iv_headertest(void) { return 0; }\n")
            cmd = cc + FLAGS + ["-I", incdir, "-I", geninc, src]
            r = subprocess.run(cmd, capture_output=True, text=True)
            status = "ok" if r.returncode == 0 else "FAILED"
            print(f"{h}: {status}")
            if r.returncode:
                failed += 1
                print(r.stdout + r.stderr)
    print(f"{len(found)} headers, {failed} failed")
    return 1 if failed or not found else 0


if __name__ == "__main__":
    sys.exit(main())
