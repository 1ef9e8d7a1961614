#!/usr/bin/env python3
"""Scale-out with Dask distributed: an analysis of a log that never passes through one
process, equal to the single-process result (doc/SCALE.md).

    python3 examples/python/dask_scaleout.py [LOG...] [--by team,month]
        [--partitions N] [--range-size BYTES] [--scheduler tcp://host:8786] [--check]

libiv.dask cuts every LOG (files or globs) into record-aligned byte ranges; each worker
reads its own ranges, routes the rows by contact (libiv.summary.partition_of: FNV-1a 64
of the contact id modulo N) into per-partition parts, then one task per partition
gathers its parts and returns the bytes of a mergeable summary. The client only merges
the summaries. With --check the example also loads the log in this process and compares:
the tables are identical.

Without --scheduler it starts a LocalCluster (2 workers). With --scheduler the same code
runs on a real cluster: the logs must be readable by the workers at the same path (shared
storage), and so must --scratch (python3 -m libiv.dask has it; see doc/SCALE.md).
"""

import argparse
import os
import sys
from typing import List, Optional

import libiv
import libiv.dask as ivd


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("logs", nargs="*", default=[os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "data", "sample.csv")])
    ap.add_argument("--by", default="team,month")
    ap.add_argument("--where", default=None)
    ap.add_argument("--partitions", type=int, default=None)
    ap.add_argument("--range-size", type=int, default=500_000)
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
        run = ivd.run(client, args.logs, "metrics", {"by": args.by, "where": args.where},
                      partitions=args.partitions, range_size=args.range_size)
        print(run.result)
        print("%d ranges, %d partitions, %d rows; %d bytes of summaries sent to the client"
              % (len(run.ranges), run.partitions, run.rows_accepted, run.summary_bytes))
        if args.check:
            with libiv.load(args.logs) as store:
                want = store.metrics(by=args.by, where=args.where)
            if run.result.to_csv() != want.to_csv():
                print("DIFFERENT from the single-process metrics")
                return 1
            print("equal to the single-process metrics")
        return 0
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


if __name__ == "__main__":
    sys.exit(main())
