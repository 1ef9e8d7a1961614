#!/usr/bin/env python3
"""Scale-out with Dask distributed: metrics of a log split by contact, computed on
workers, merged through libiv summaries, equal to the single-process result.

    python3 examples/python/dask_scaleout.py [LOG] [--parts N] [--by team,month]
                                             [--scheduler tcp://host:8786] [--check]

1. The client splits LOG into N part files by contact (libiv.summary.partition_of:
   FNV-1a 64 of the contact id modulo N), so every row of a contact is in one part.
2. Each part goes to a worker, which ingests it with the Python binding, makes a summary
   of the grouped query and returns the summary's bytes (no contact ids inside).
3. The client merges the summaries (exact; the order does not matter) and prints the
   metrics. With --check it also computes them in one process and compares: identical.

Without --scheduler it starts a LocalCluster (2 workers, threads). With
--scheduler tcp://host:8786 the same code runs on a real cluster: the part files must
then be readable by the workers (a shared file system or object store), and every worker
needs libiv (LIBIV_PATH or the system loader) and this package on its PYTHONPATH; see
doc/SUMMARIES.md.
"""

import argparse
import csv
import os
import sys
import tempfile

import libiv
from libiv.summary import Summary, partition_of


def split_by_contact(log, nparts, outdir):
    """Write part files outdir/part-K.csv; returns their paths (header in each)."""
    paths = [os.path.join(outdir, "part-%d.csv" % k) for k in range(nparts)]
    outs = [open(p, "w", newline="", encoding="utf-8") for p in paths]
    try:
        with open(log, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader)
            col = [h.strip().lower() for h in header].index("contact")
            writers = [csv.writer(o, lineterminator="\n") for o in outs]
            for w in writers:
                w.writerow(header)
            for row in reader:
                writers[partition_of(row[col], nparts)].writerow(row)
    finally:
        for o in outs:
            o.close()
    return paths


def summarise_part(path, by, where=None):
    """Runs on a worker: ingest one part, summarise the grouped query, return bytes."""
    with libiv.load(path) as store:
        with Summary.make(store, by=by, where=where) as s:
            return s.to_bytes()


def scale_out(client, paths, by, where=None):
    """Summaries of every part on the cluster, merged on the client."""
    futures = client.map(summarise_part, paths, by=by, where=where, pure=False)
    blobs = client.gather(futures)
    return Summary.merge_all(blobs)


def single_process(log, by, where=None):
    with libiv.load(log) as store:
        return store.metrics(by=by, where=where).to_csv()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("log", nargs="?", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "data", "sample.csv"))
    ap.add_argument("--parts", type=int, default=4)
    ap.add_argument("--by", default="team,month")
    ap.add_argument("--where", default=None)
    ap.add_argument("--scheduler", default=None, help="address of a running Dask scheduler")
    ap.add_argument("--check", action="store_true", help="compare with one process")
    args = ap.parse_args(argv)

    from dask.distributed import Client, LocalCluster
    cluster = None
    if args.scheduler:
        client = Client(args.scheduler)
    else:
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            paths = split_by_contact(args.log, args.parts, tmp)
            merged = scale_out(client, paths, args.by, args.where)
            table = merged.metrics()
            print(table.to_csv(), end="")
            if args.check:
                same = table.to_csv() == single_process(args.log, args.by, args.where)
                print("merged == single process:", same, file=sys.stderr)
                return 0 if same else 1
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
