"""One version everywhere (doc/INSTALL.md): the project version of meson.build equals
`iv --version`, the pkg-config file's Version, the library file name libiv.so.1.MINOR.PATCH
(the ABI major stays 1), bindings/python/pyproject.toml, the LuaRocks rockspec (file name
and version), libiv.__version__ under /usr/bin/python3 and Lua's iv.version().

    version_check.py VERSION IV_EXE BUILD_ROOT SOURCE_ROOT [LUA LUA_MODULE_DIR]
"""
import glob
import os
import re
import subprocess
import sys


def main():
    version, iv, build, src = sys.argv[1:5]
    lua = sys.argv[5:7]
    found = {}
    found["iv --version"] = subprocess.check_output([iv, "--version"], universal_newlines=True).strip()
    with open(os.path.join(build, "meson-private", "libiv.pc"), encoding="utf-8") as f:
        found["libiv.pc"] = re.search(r"^Version: (.*)$", f.read(), re.M).group(1).strip()
    if os.path.exists(os.path.join(build, "src", "libiv.so.1")):
        # the SONAME link points at libiv.so.1.MINOR.PATCH: ABI major 1, then the version's
        target = os.readlink(os.path.join(build, "src", "libiv.so.1"))
        m = re.fullmatch(r"libiv\.so\.1\.(\d+)\.(\d+)", target)
        found["library file"] = "%s.%s.%s" % (version.split(".")[0], m.group(1), m.group(2)) \
            if m else target
    with open(os.path.join(src, "bindings", "python", "pyproject.toml"), encoding="utf-8") as f:
        found["pyproject.toml"] = re.search(r'^version = "([^"]*)"', f.read(), re.M).group(1)
    rocks = glob.glob(os.path.join(src, "bindings", "lua", "libiv-*.rockspec"))
    if len(rocks) != 1:
        raise SystemExit("want one rockspec, found %s" % rocks)
    found["rockspec file"] = os.path.basename(rocks[0])[len("libiv-"):-len("-1.rockspec")]
    with open(rocks[0], encoding="utf-8") as f:
        found["rockspec version"] = re.search(r'^version = "([^"]*)-\d+"', f.read(), re.M).group(1)
    env = dict(os.environ)
    if os.path.exists("/usr/bin/python3") and env.get("LIBIV_PATH"):
        found["libiv.__version__"] = subprocess.check_output(
            ["/usr/bin/python3", "-c", "import libiv; print(libiv.__version__)"], env=env,
            universal_newlines=True).strip()
    if lua:
        found["iv.version()"] = subprocess.check_output(
            [lua[0], "-e", "print(require('iv').version())"],
            env=dict(env, LUA_CPATH=lua[1] + "/?.so"), universal_newlines=True).strip()
    bad = {k: v for k, v in found.items() if v != version}
    for k, v in found.items():
        print("%-20s %s" % (k, v))
    if bad:
        raise SystemExit("not %s: %s" % (version, bad))


if __name__ == "__main__":
    main()
