"""Scale-out on Dask distributed (doc/SUMMARIES.md): a LocalCluster over parts of the sample split by
contact; workers summarise their part through the binding; the merged summaries give
exactly the single-process metrics. Also: the partition hash is the same in Python and C
and on published FNV-1a vectors, merge order does not change a byte, and corrupted
summary bytes are refused."""

import csv
import itertools
import os
import sys
import tempfile
import unittest

import libiv
from libiv.summary import Summary, partition_of, partition_of_c

from support import ROOT, SAMPLE, run_iv

sys.path.insert(0, os.path.join(ROOT, "examples", "python"))
import dask_scaleout  # noqa: E402  (the example under test)


class DaskScaleOut(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        from dask.distributed import Client, LocalCluster
        cls.cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                   dashboard_address=None)
        cls.client = Client(cls.cluster)
        cls.tmp = tempfile.TemporaryDirectory()
        cls.paths = dask_scaleout.split_by_contact(SAMPLE, 3, cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.cluster.close()
        cls.tmp.cleanup()

    def test_parts_hold_every_row_once_and_each_contact_in_one_part(self):
        seen = {}
        total = 0
        for k, p in enumerate(self.paths):
            with open(p, newline="", encoding="utf-8") as f:
                for row in csv.DictReader(f):
                    total += 1
                    self.assertEqual(seen.setdefault(row["contact"], k), k)
        with open(SAMPLE, newline="", encoding="utf-8") as f:
            self.assertEqual(total, sum(1 for _ in csv.DictReader(f)))

    def test_merged_summaries_equal_the_single_process_metrics(self):
        for by, where in [("team,month", None), ("channel", None), ("", None),
                          ("region,stage", "not has churn"), ("type,outcome", None)]:
            merged = dask_scaleout.scale_out(self.client, self.paths, by, where)
            got = merged.metrics().to_csv()
            self.assertEqual(got, dask_scaleout.single_process(SAMPLE, by, where),
                             "by %r where %r" % (by, where))
            # and the same as the command-line tool on the whole log
            rc, out, err = run_iv("metrics", SAMPLE, "--format", "csv",
                                  *(["--by", by] if by else []),
                                  *(["--where", where] if where else []))
            self.assertEqual(rc, 0, err)
            self.assertEqual(got, out)

    def test_merge_order_does_not_change_a_byte(self):
        blobs = self.client.gather(self.client.map(dask_scaleout.summarise_part, self.paths,
                                                   by="team,channel", pure=False))
        ref = None
        for order in itertools.permutations(range(len(blobs))):
            b = Summary.merge_all([blobs[i] for i in order]).to_bytes()
            ref = ref or b
            self.assertEqual(b, ref, "order %r" % (order,))

    def test_example_runs_with_check(self):
        self.assertEqual(dask_scaleout.main([SAMPLE, "--parts", "3", "--by", "channel",
                                             "--check"]), 0)


class PartitionAndBytes(unittest.TestCase):
    def test_fnv1a_vectors(self):
        # FNV-1a 64 test vectors (draft-eastlake-fnv): "" cbf29ce484222325,
        # "a" af63dc4c8601ec8c, "foobar" 85944171f73967e8
        self.assertEqual(partition_of("", 1000), 0xcbf29ce484222325 % 1000)
        self.assertEqual(partition_of("a", 7), 0xaf63dc4c8601ec8c % 7)
        self.assertEqual(partition_of("foobar", 4096), 0x85944171f73967e8 % 4096)

    def test_python_and_c_agree(self):
        with open(SAMPLE, newline="", encoding="utf-8") as f:
            contacts = sorted({r["contact"] for r in csv.DictReader(f)})
        contacts += ["", "é", "contact with spaces", "日本"]
        for n in (1, 2, 3, 7, 64, 1000003):
            for c in contacts:
                self.assertEqual(partition_of(c, n), partition_of_c(c, n), (c, n))

    def test_cli_partition_uses_the_same_hash(self):
        with tempfile.TemporaryDirectory() as tmp:
            prefix = os.path.join(tmp, "part")
            rc, out, err = run_iv("partition", SAMPLE, "--parts", "3", "-o", prefix,
                                  "--format", "csv")
            self.assertEqual(rc, 0, err)
            for k in range(3):
                with libiv.load(prefix + "-%d.ivstore" % k) as store:
                    for row in store:
                        self.assertEqual(partition_of(row["contact"], 3), k)

    def test_corrupted_bytes_are_refused(self):
        with libiv.load(SAMPLE) as store:
            b = Summary.make(store, by="team").to_bytes()
        for i in (0, 9, 30, len(b) // 2, len(b) - 1):
            bad = bytearray(b)
            bad[i] ^= 0x10
            with self.assertRaises((libiv.CorruptError, libiv.VersionError)):
                Summary.from_bytes(bytes(bad))
        with self.assertRaises(libiv.CorruptError):
            Summary.from_bytes(b[:-1])
        self.assertEqual(Summary.from_bytes(b).to_bytes(), b)

    def test_quantile_and_compare_from_summaries(self):
        with libiv.load(SAMPLE) as store:
            s = Summary.make(store, by="team")
            rows = s.metrics().to_records()
        self.assertEqual(len(s), len(rows))
        lo, med, hi = (s.quantile(0, "n", p) for p in (0.0, 0.5, 1.0))
        self.assertTrue(lo <= med <= hi)
        cmp = s.compare(0, s, 1, "rv").to_records()[0]
        self.assertEqual(cmp["n_a"], rows[0]["contacts"])
        self.assertEqual(cmp["n_b"], rows[1]["contacts"])


if __name__ == "__main__":
    unittest.main()
