"""The deployment of doc/SCALE.md "On a real cluster", on one machine: a `dask scheduler`
process and two `dask worker` processes started from the command line exactly as the page
says (each worker in its own working and local directory, as on its own machine; the
inputs and the scratch directory on storage both can read), and `python3 -m libiv.dask …
--scheduler ADDR` run from a third directory. Every command prints what `iv` prints on the
same file, byte for byte (the reference is the separate `iv` program run on the whole log).
"""

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from support import SAMPLE, run_iv

DASK = shutil.which("dask")


def _spread(path):
    """The sample sorted by time: every contact's rows fall in many byte ranges."""
    with open(SAMPLE, newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        header = next(r)
        rows = sorted(r, key=lambda row: (row[1], row[0]))
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


class SeparateProcesses(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if DASK is None:
            raise AssertionError("the `dask` command (Debian python3-distributed) is missing")
        cls.tmp = tempfile.TemporaryDirectory()
        root = cls.tmp.name
        cls.shared = os.path.join(root, "shared")      # inputs + scratch, seen by all
        os.makedirs(os.path.join(cls.shared, "scratch"))
        cls.log = os.path.join(cls.shared, "spread.csv")
        _spread(cls.log)
        sched_file = os.path.join(cls.shared, "scheduler.json")
        cls.procs = []
        out = open(os.path.join(root, "scheduler.log"), "w")
        cls.procs.append(subprocess.Popen(
            [DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
             "--scheduler-file", sched_file],
            cwd=root, stdout=out, stderr=subprocess.STDOUT, start_new_session=True))
        deadline = time.monotonic() + 120
        while not os.path.exists(sched_file):
            if time.monotonic() > deadline or cls.procs[0].poll() is not None:
                cls._stop()
                raise AssertionError("dask scheduler did not start: see " + out.name)
            time.sleep(0.2)
        time.sleep(0.2)  # the file is written whole, but give the writer its close
        with open(sched_file, encoding="utf-8") as f:
            cls.address = json.load(f)["address"]
        for k in range(2):
            home = os.path.join(root, "machine-%d" % k)  # the worker's own disk
            os.makedirs(home)
            log = open(os.path.join(home, "worker.log"), "w")
            cls.procs.append(subprocess.Popen(
                [DASK, "worker", cls.address, "--nthreads", "1", "--nworkers", "1",
                 "--no-dashboard", "--local-directory", home, "--name", "machine-%d" % k],
                cwd=home, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        # wait until both workers have joined the scheduler
        from dask.distributed import Client
        with Client(cls.address, timeout=120) as client:
            try:
                client.wait_for_workers(2, timeout=180)
            except Exception:
                cls._stop()
                raise
        cls.cwd = os.path.join(root, "client")
        os.makedirs(cls.cwd)

    @classmethod
    def _stop(cls):
        for p in reversed(cls.procs):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in cls.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()

    @classmethod
    def tearDownClass(cls):
        cls._stop()
        cls.tmp.cleanup()

    def dask(self, *args):
        cmd = [sys.executable, "-m", "libiv.dask"] + [str(a) for a in args] + [
            "--scheduler", self.address, "--scratch", os.path.join(self.shared, "scratch"),
            "--range-size", "300k", "--partitions", "4"]
        p = subprocess.run(cmd, capture_output=True, text=True, cwd=self.cwd,
                           env=dict(os.environ), timeout=600)
        return p.returncode, p.stdout, p.stderr

    def test_commands_print_what_iv_prints(self):
        runs = [
            ["metrics", self.log, "--by", "team,month", "--format", "csv"],
            ["churn", self.log, "--every", "month", "--format", "csv"],
            ["cohorts", self.log, "--period", "month", "--format", "csv"],
            ["lifecycle", self.log, "--period", "month", "--format", "csv"],
            ["funnel", self.log, "--steps", "signup,demo|trial,purchase", "--format", "csv"],
            ["clv", "fit", self.log, "--model", "bgnbd", "--format", "csv"],
        ]
        for args in runs:
            rc, out, err = self.dask(*args)
            self.assertEqual(rc, 0, (args, err))
            rc2, want, err2 = run_iv(*args)
            self.assertEqual(rc2, 0, err2)
            self.assertTrue(want.strip(), args)
            self.assertEqual(out, want, args)

    def test_both_workers_did_work(self):
        # ranges of 300 KB over a 2.8 MB log: both workers get tasks
        from dask.distributed import Client
        rc, out, err = self.dask("metrics", self.log, "--by", "channel", "--format", "csv")
        self.assertEqual(rc, 0, err)
        with Client(self.address, timeout=60) as client:
            names = client.run(lambda dask_worker: dask_worker.name)
            self.assertEqual(sorted(str(n) for n in names.values()), ["machine-0", "machine-1"])
            done = client.run(lambda dask_worker: dask_worker.state.executed_count)
            for addr, n in done.items():
                self.assertGreater(n, 0, (names[addr], done))

if __name__ == "__main__":
    unittest.main()
