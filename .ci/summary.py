"""Sum the results of meson test runs into one line: 'N passed, M failed'.

A Check suite counts as its individual checks (from its '100%: Checks: N, Failures: F,
Errors: E' line), a Python unittest run as its tests ('Ran N tests', with the failures and
errors of its 'FAILED (...)' line); any other test counts as one; a skipped test is
reported as skipped, never as passed. Each argument is a build directory whose
meson-logs/testlog*.json is read (a directory named twice is read for each of its logs)."""
import glob
import json
import re
import sys

CHECK = re.compile(r"Checks: (\d+), Failures: (\d+), Errors: (\d+)")
UNITTEST = re.compile(r"^Ran (\d+) tests? in ", re.M)
UNITTEST_BAD = re.compile(r"^FAILED \(([^)]*)\)", re.M)
passed = failed = skipped = 0
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
                if r.get("result") == "SKIP":
                    skipped += 1
                    continue
                ok = r.get("result") in ("OK", "EXPECTEDFAIL")
                out = (r.get("stdout") or "") + (r.get("stderr") or "")
                m = CHECK.search(out)
                u = UNITTEST.search(out)
                if u and not m:
                    n = int(u.group(1))
                    bad = UNITTEST_BAD.search(out)
                    nbad = sum(int(x.split("=")[1]) for x in bad.group(1).split(", ")
                               if x.split("=")[0] in ("failures", "errors")) if bad else 0
                    passed += n - nbad
                    failed += nbad
                    if not ok and nbad == 0:
                        failed += 1
                elif m:
                    n, fl, er = map(int, m.groups())
                    passed += n - fl - er
                    failed += fl + er
                    if not ok and fl + er == 0:
                        failed += 1  # crashed, leaked (valgrind) or timed out after the checks
                elif ok:
                    passed += 1
                else:
                    failed += 1
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
sys.exit(1 if failed else 0)
