"""Closing a handle while other threads use it (issue #14 item 3): close() waits for the
calls in flight and refuses new ones (ValueError); closing from inside a call on the same
thread (a progress callback) is a StateError, never a use after free. Before the fix
close() freed the store under a running query (heap use after free in the C library)."""

import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import libiv  # noqa: E402
from support import SAMPLE  # noqa: E402


def sample_bytes() -> bytes:
    with open(SAMPLE, "rb") as f:
        return f.read()


class CloseWhileInUse(unittest.TestCase):
    def test_close_waits_for_a_call_in_another_thread(self) -> None:
        data = sample_bytes()
        store = libiv.Store()
        inside = threading.Event()
        closing = threading.Event()
        state = {"finished": False, "error": None}

        def progress(done: int, total: int) -> None:
            inside.set()
            closing.wait(5)
            time.sleep(0.2)   # close() has been called meanwhile: it must wait for us

        def work() -> None:
            try:
                store.ingest(data, progress=progress)
                state["finished"] = True
            except BaseException as e:  # noqa: B902 - reported by the test
                state["error"] = e

        t = threading.Thread(target=work)
        t.start()
        self.assertTrue(inside.wait(30))
        closing.set()
        store.close()
        # close() returned: the ingestion it waited for is complete
        self.assertTrue(state["finished"], state["error"])
        t.join()
        with self.assertRaises(ValueError):
            store.metrics()

    def test_close_from_a_callback_of_a_call_on_the_same_store_is_refused(self) -> None:
        data = sample_bytes()
        store = libiv.Store()

        def progress(done: int, total: int) -> None:
            store.close()

        with self.assertRaises(libiv.StateError):
            store.ingest(data, progress=progress)
        # the store is intact and still usable
        self.assertEqual(len(store.metrics(by="channel")) > 0, True)
        store.close()

    def test_queries_racing_close_end_cleanly(self) -> None:
        store = libiv.load(SAMPLE)
        want = [dict(r) for r in store.metrics(by="channel")]
        errors: "list[BaseException]" = []
        counts = [0] * 4

        def query(k: int) -> None:
            while True:
                try:
                    got = [dict(r) for r in store.metrics(by="channel")]
                except ValueError:
                    return   # closed: the clean error
                except BaseException as e:  # noqa: B902 - reported by the test
                    errors.append(e)
                    return
                if got != want:
                    errors.append(AssertionError("a query saw a different result"))
                    return
                counts[k] += 1

        threads = [threading.Thread(target=query, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.3)
        store.close()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])
        self.assertGreater(sum(counts), 0)

    def test_a_model_closed_while_a_query_uses_it_waits(self) -> None:
        store = libiv.load(SAMPLE)
        model = libiv.Model()
        stop = threading.Event()
        errors: "list[BaseException]" = []

        def query() -> None:
            while not stop.is_set():
                try:
                    store.metrics(by="channel", model=model)
                except ValueError:
                    return
                except BaseException as e:  # noqa: B902
                    errors.append(e)
                    return

        t = threading.Thread(target=query)
        t.start()
        time.sleep(0.2)
        model.close()
        stop.set()
        t.join(60)
        self.assertEqual(errors, [])
        store.close()


if __name__ == "__main__":
    unittest.main()
