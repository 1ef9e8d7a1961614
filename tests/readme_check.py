"""The README's two commands (doc/INSTALL.md): the report command and the test command of its
Quick start. .ci/run must run the test command verbatim; both install from .ci/packages (the
one package list: first line to build, all lines to test) and work as root (no sudo) and as a
sudo user. The proof on a clean Debian 12 root is in doc/INSTALL.md.

    readme_check.py SOURCE_ROOT
"""
import os
import re
import sys

ROOT_OR_SUDO = 'S=$( [ "$(id -u)" = 0 ] || echo sudo ); '


def main():
    root = sys.argv[1]
    with open(os.path.join(root, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)\n```", quick, re.S)
    if len(blocks) != 2 or any("\n" in b for b in blocks):
        raise SystemExit("the Quick start must hold exactly two one-line sh blocks, found %r" % blocks)
    report, test = blocks
    for name, cmd, pkgs in (("report", report, "$(head -n 1 .ci/packages)"),
                            ("test", test, "$(cat .ci/packages)")):
        if not cmd.startswith(ROOT_OR_SUDO):
            raise SystemExit("the %s command must start with %r (root without sudo, users with sudo)"
                             % (name, ROOT_OR_SUDO))
        if re.search(r"(^|[;&|] *)sudo ", cmd):
            raise SystemExit("the %s command calls sudo directly: %s" % (name, cmd))
        if pkgs not in cmd:
            raise SystemExit("the %s command must install %s" % (name, pkgs))
    if "iv report" not in report:
        raise SystemExit("the report command does not run iv report")
    if "meson test" not in test:
        raise SystemExit("the test command does not run meson test")
    with open(os.path.join(root, ".ci", "run"), encoding="utf-8") as f:
        run = f.read()
    if not any(line.startswith(test) for line in run.splitlines()):
        raise SystemExit(".ci/run does not run the README's test command verbatim:\n" + test)
    with open(os.path.join(root, ".ci", "packages"), encoding="utf-8") as f:
        lines = [l for l in f.read().splitlines() if l.strip()]
    if len(lines) != 2 or not {"build-essential", "meson", "ninja-build", "pkg-config"} <= set(lines[0].split()):
        raise SystemExit(".ci/packages: line 1 must be the build packages, line 2 the test packages")
    print("report command: %s\ntest command:   %s\n.ci/run runs it verbatim" % (report, test))


if __name__ == "__main__":
    main()
