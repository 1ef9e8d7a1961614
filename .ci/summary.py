"""Sum the results of meson test runs into one line: 'N passed, M failed'.

A Check suite counts as its individual checks (from its '100%: Checks: N, Failures: F,
Errors: E' line); any other test counts as one. Each argument is a build directory whose
meson-logs/testlog*.json is read (a directory named twice is read for each of its logs)."""
import glob
import json
import re
import sys

CHECK = re.compile(r"Checks: (\d+), Failures: (\d+), Errors: (\d+)")
passed = failed = 0
seen = set()
for build in sys.argv[1:]:
    for log in sorted(glob.glob(f"{build}/meson-logs/testlog*.json")):
        if log in seen:
            continue
        seen.add(log)
        with open(log, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                r = json.loads(line)
                ok = r.get("result") in ("OK", "EXPECTEDFAIL", "SKIP")
                m = CHECK.search(r.get("stdout") or "")
                if m:
                    n, fl, er = map(int, m.groups())
                    passed += n - fl - er
                    failed += fl + er
                    if not ok and fl + er == 0:
                        failed += 1  # crashed, leaked (valgrind) or timed out after the checks
                elif ok:
                    passed += 1
                else:
                    failed += 1
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
