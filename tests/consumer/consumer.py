"""libiv used from outside, as a library is (issue #15, doc/INSTALL.md).

    consumer.py subproject static|shared SRCROOT WORKDIR
        a parent meson project with libiv as subprojects/libiv, default_library as given:
        it builds, runs, links libiv statically (no libiv.so.1 in NEEDED) or dynamically,
        and `meson test --list` of the parent shows only the parent's own test.
    consumer.py pip SRCROOT WORKDIR LIBIV_SO
        pip install --no-build-isolation --no-index ./bindings/python (a copy) into a
        scratch --target with Debian's setuptools; the package imports and reports the
        project's version.
    consumer.py options SRCROOT WORKDIR
        -Dtests=false, -Dexamples=false, -Dbindings=false build, install and register
        nothing of theirs (meson introspect of a configured build).
    consumer.py installed SRCROOT WORKDIR
        libiv configured for a scratch prefix (default_library=both, no tests, no examples)
        and `meson install`ed; then a project using the installed libiv.pc, statically and
        dynamically; the installed `iv` runs without LD_LIBRARY_PATH (install RPATH); the
        Python package imports from where /usr/bin/python3 looks under that prefix
        (site.getsitepackages([prefix])) with no LIBIV_PATH, and `require "iv"` works from
        the C module directory pkg-config's INSTALL_CMOD names for that prefix.

The expected row and contact counts are read from the sample CSV with Python's csv
module, independently of libiv. The builds use buildtype=plain (no optimisation) to stay
fast; ccache is used when present."""

import csv
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd, cwd=None, env=None, check=True):
    p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True)
    if check and p.returncode != 0:
        sys.stdout.write(p.stdout[-6000:])
        raise SystemExit("FAILED (%d): %s" % (p.returncode, " ".join(cmd)))
    return p.stdout


def clean_env():
    env = dict(os.environ)
    for k in ("LIBIV_PATH", "LD_LIBRARY_PATH", "PYTHONPATH", "LUA_CPATH", "LUA_PATH",
              "PKG_CONFIG_PATH"):
        env.pop(k, None)
    env["CCACHE_NOHASHDIR"] = "1"    # same objects whatever the build folder is called
    return env


def expected(srcroot):
    path = os.path.join(srcroot, "examples", "data", "sample.csv")
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return path, len(rows), len({r["contact"] for r in rows})


def version_of(srcroot):
    with open(os.path.join(srcroot, "meson.build"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("version :"):
                return line.split("'")[1]
    raise SystemExit("no version in meson.build")


def needed(exe):
    out = run(["readelf", "-d", exe])
    return [l.split("[")[1].split("]")[0] for l in out.splitlines() if "(NEEDED)" in l]


def check_output(out, version, rows, contacts, what):
    want = "header %s library %s rows %d contacts %d" % (version, version, rows, contacts)
    if out.strip() != want:
        raise SystemExit("%s: got %r, want %r" % (what, out.strip(), want))
    print("%s: %s" % (what, out.strip()))


def project(workdir, name, meson_build, options):
    d = os.path.join(workdir, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    shutil.copy(os.path.join(HERE, "main.c"), d)
    shutil.copy(os.path.join(HERE, meson_build), os.path.join(d, "meson.build"))
    with open(os.path.join(d, "meson_options.txt"), "w", encoding="utf-8") as f:
        f.write(options)
    return d


def subproject(kind, srcroot, workdir):
    sample, rows, contacts = expected(srcroot)
    version = version_of(srcroot)
    env = clean_env()
    d = project(workdir, "sub-" + kind, "subproject.meson.build",
                "option('sample', type : 'string', value : '')\n")
    os.makedirs(os.path.join(d, "subprojects"))
    os.symlink(os.path.abspath(srcroot), os.path.join(d, "subprojects", "libiv"))
    b = os.path.join(d, "build")
    run(["meson", "setup", b, d, "--buildtype=plain", "-Ddefault_library=" + kind,
         "-Dsample=" + sample], env=env)
    run(["ninja", "-C", b, "consumer"], env=env)
    exe = os.path.join(b, "consumer")
    libs = needed(exe)
    has_so = any(l.startswith("libiv.so") for l in libs)
    if has_so != (kind == "shared"):
        raise SystemExit("default_library=%s but the consumer's NEEDED is %s" % (kind, libs))
    print("default_library=%s: NEEDED %s" % (kind, ", ".join(libs)))
    check_output(run([exe, sample], env=env), version, rows, contacts, "subproject " + kind)
    tests = [l for l in run(["meson", "test", "-C", b, "--list"], env=env).splitlines()
             if l.strip() and not l.startswith(("ninja", "["))]
    if tests != ["consumer"]:
        raise SystemExit("the parent's meson test lists %s, want only its own 'consumer'"
                         % tests)
    run(["meson", "test", "-C", b], env=env)
    print("parent's tests: %s" % tests)


def installed(srcroot, workdir):
    sample, rows, contacts = expected(srcroot)
    version = version_of(srcroot)
    env = clean_env()
    prefix = os.path.join(workdir, "prefix")
    b = os.path.join(workdir, "libiv-build")
    shutil.rmtree(prefix, ignore_errors=True)
    shutil.rmtree(b, ignore_errors=True)
    out = run(["meson", "setup", b, srcroot, "--prefix=" + prefix, "--buildtype=plain",
               "-Ddefault_library=both", "-Dtests=false", "-Dexamples=false",
               "-Ddocs=disabled"], env=env)
    for line in out.splitlines():
        if "Python package" in line or "Lua module" in line:
            print("summary:" + line)
    run(["meson", "install", "-C", b, "--quiet"], env=env)
    libdir = run(["meson", "introspect", b, "--buildoptions"], env=env)
    import json
    libdir = next(o["value"] for o in json.loads(libdir) if o["name"] == "libdir")
    libdir = os.path.join(prefix, libdir)
    for f in ("libiv.so.1", "libiv.a", "libiv.so.%s" % ".".join(["1"] + version.split(".")[1:])):
        if not os.path.exists(os.path.join(libdir, f)):
            raise SystemExit("not installed: %s/%s" % (libdir, f))

    # 1. the installed tool, with no LD_LIBRARY_PATH: RPATH
    iv = os.path.join(prefix, "bin", "iv")
    got = run([iv, "--version"], env=env).strip()
    if got != version:
        raise SystemExit("installed iv --version says %r, want %r" % (got, version))
    run([iv, "report", "-o", os.path.join(workdir, "report.html")], env=env)
    print("installed iv %s ran (RPATH %s)" % (got, [l for l in run(["readelf", "-d", iv]).splitlines()
                                                if "RUNPATH" in l or "RPATH" in l]))

    # 2. pkg-config consumers, static and shared
    pcenv = dict(env, PKG_CONFIG_PATH=os.path.join(libdir, "pkgconfig"))
    pc_version = run(["pkg-config", "--modversion", "libiv"], env=pcenv).strip()
    if pc_version != version:
        raise SystemExit("pkg-config says %s, want %s" % (pc_version, version))
    for kind in ("static", "shared"):
        d = project(workdir, "pc-" + kind, "pkgconfig.meson.build",
                    "option('link', type : 'string', value : 'shared')\n"
                    "option('want', type : 'string', value : '0')\n")
        bb = os.path.join(d, "build")
        run(["meson", "setup", bb, d, "--buildtype=plain", "-Dlink=" + kind,
             "-Dwant=" + version], env=pcenv)
        run(["ninja", "-C", bb], env=pcenv)
        exe = os.path.join(bb, "consumer")
        libs = needed(exe)
        if any(l.startswith("libiv.so") for l in libs) != (kind == "shared"):
            raise SystemExit("pkg-config %s link, but NEEDED is %s" % (kind, libs))
        check_output(run([exe, sample], env=env), version, rows, contacts, "pkg-config " + kind)

    # 3. Python: where /usr/bin/python3 looks under this prefix, nothing else
    py = "/usr/bin/python3"
    if os.path.exists(py):
        sites = run([py, "-c", "import site, sys; print('\\n'.join(site.getsitepackages([sys.argv[1]])))",
                     prefix], env=env).split()
        where = [s for s in sites if os.path.isdir(os.path.join(s, "libiv"))]
        if len(where) != 1:
            raise SystemExit("the Python package is not in exactly one of %s" % sites)
        src = sorted(f for f in os.listdir(os.path.join(srcroot, "bindings", "python", "libiv"))
                     if f.endswith(".py") or f == "py.typed")
        inst = sorted(f for f in os.listdir(os.path.join(where[0], "libiv"))
                      if f.endswith(".py") or f == "py.typed")
        if src != inst:
            raise SystemExit("installed Python files %s differ from the source's %s (reconfigure?)"
                             % (inst, src))
        got = run([py, "-c", "import libiv, sys; print(libiv.__version__, libiv._lib.lib._name, "
                   "libiv.load(sys.argv[1]).rows)", sample],
                  env=dict(env, PYTHONPATH=where[0]), cwd=workdir).split()
        if got[0] != version or got[2] != str(rows) or not got[1].startswith(libdir):
            raise SystemExit("installed Python: %s" % got)
        print("python: import libiv from %s: version %s, library %s, %s rows" % (where[0], *got))

    # 4. Lua: the C module directory INSTALL_CMOD names for this prefix
    lua = shutil.which("lua5.4")
    cmod = run(["pkg-config", "--define-variable=prefix=" + prefix, "--variable=INSTALL_CMOD",
                "lua5.4"], env=env, check=False).strip()
    if lua and cmod:
        if not os.path.exists(os.path.join(cmod, "iv.so")):
            raise SystemExit("no iv.so in %s" % cmod)
        got = run([lua, "-e", "local iv = require 'iv'; local s = assert(iv.load([[%s]])); "
                   "print(iv.version(), #s)" % sample],
                  env=dict(env, LUA_CPATH=cmod + "/?.so"), cwd=workdir).split()
        if got != [version, str(rows)]:
            raise SystemExit("installed Lua module: %s" % got)
        print("lua: require 'iv' from %s: version %s, %s rows" % (cmod, *got))


def options(srcroot, workdir):
    """-Dtests=false, -Dexamples=false, -Dbindings=false: configure only, then ask meson
    what would be built, installed and tested."""
    import json
    env = clean_env()

    def introspect(b, what):
        return json.loads(run(["meson", "introspect", b, "--" + what], env=env))

    for opt, bad in (("tests", ("test_", "replay_", "iv_internal", "bench_")),
                     ("examples", ("example_",)),
                     ("bindings", ())):
        b = os.path.join(workdir, "opt-" + opt)
        shutil.rmtree(b, ignore_errors=True)
        run(["meson", "setup", b, srcroot, "-D%s=false" % opt], env=env)
        names = [t["name"] for t in introspect(b, "targets")]
        tests = [t["name"] for t in introspect(b, "tests")]
        installed = list(introspect(b, "installed").values())
        found = [n for n in names if n.startswith(bad)] if bad else []
        if opt == "tests" and tests:
            raise SystemExit("-Dtests=false still registers %d tests: %s" % (len(tests), tests[:5]))
        if opt == "examples" and [t for t in tests if t.startswith("example")]:
            raise SystemExit("-Dexamples=false still registers example tests")
        if opt == "bindings":
            found = [n for n in names if n == "iv" and any(
                t["type"] == "shared module" for t in introspect(b, "targets") if t["name"] == "iv")]
            found += [p for p in installed if "/libiv/" in p and p.endswith(".py")]
            found += [t for t in tests if t.startswith(("lua", "python"))]
        if found:
            raise SystemExit("-D%s=false still builds or installs %s" % (opt, found))
        print("-D%s=false: %d targets, %d tests, none of its own" % (opt, len(names), len(tests)))


def pip(srcroot, workdir):
    """pip install ./bindings/python offline (no build isolation: Debian's setuptools and
    wheel) into a scratch --target, from a copy of the folder (pip builds in place)."""
    env = clean_env()
    src = os.path.join(workdir, "pip-src")
    target = os.path.join(workdir, "pip-target")
    for d in (src, target):
        shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(os.path.join(srcroot, "bindings", "python"), src,
                    ignore=shutil.ignore_patterns("tests", "__pycache__", "build", "*.egg-info"))
    run(["/usr/bin/python3", "-m", "pip", "install", "--no-index", "--no-build-isolation",
         "--no-cache-dir", "--target", target, src], env=env)
    version = version_of(srcroot)
    lib = sys.argv[4]
    got = run(["/usr/bin/python3", "-c", "import libiv, os; print(libiv.__version__, "
               "os.path.dirname(libiv.__file__), os.path.exists(os.path.join("
               "os.path.dirname(libiv.__file__), 'py.typed')))"],
              env=dict(env, PYTHONPATH=target, LIBIV_PATH=lib), cwd=workdir).split()
    if got != [version, os.path.join(target, "libiv"), "True"]:
        raise SystemExit("pip-installed package: %s" % got)
    print("pip install --no-build-isolation: libiv %s in %s, py.typed shipped" % (got[0], got[1]))


def main():
    mode = sys.argv[1]
    if mode == "subproject":
        subproject(sys.argv[2], sys.argv[3], sys.argv[4])
    elif mode == "pip":
        pip(sys.argv[2], sys.argv[3])
    elif mode == "options":
        options(sys.argv[2], sys.argv[3])
    elif mode == "installed":
        installed(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit("usage: consumer.py subproject static|shared SRC WORK | installed SRC WORK")


if __name__ == "__main__":
    main()
