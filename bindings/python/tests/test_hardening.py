"""Strings with NUL characters (issue #14 item 6): the C API takes NUL-terminated strings,
so the binding refuses a NUL instead of cutting the string there (before the fix "a\\0b"
was stored as "a": two contacts counted as one)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import libiv  # noqa: E402


class NulStrings(unittest.TestCase):
    def test_append_refuses_a_nul(self) -> None:
        s = libiv.Store()
        s.append(contact="a", ts="2024-01-01", channel="web", type="visit")
        for field in ("contact", "channel", "type", "team"):
            rec = {"contact": "a", "ts": "2024-01-02", "channel": "web", "type": "visit"}
            rec[field] = "a\x00b"
            with self.assertRaises(ValueError, msg=field):
                s.append(**rec)
        with self.assertRaises(ValueError):
            s.append(contact="a", ts="2024-01-02", channel="web", type="visit", region="x\x00")
        self.assertEqual((len(s), s.contacts), (1, 1))
        s.close()

    def test_append_columns_refuses_a_nul(self) -> None:
        s = libiv.Store()
        with self.assertRaises(ValueError):
            s.append_columns(contact=["a", "a\x00b"], ts=[0, 1000], channel=["web", "web"],
                             type=["visit", "visit"])
        with self.assertRaises(ValueError):
            s.append_columns(contact=[b"a", b"a\x00b"], ts=[0, 1000], channel=["web", "web"],
                             type=["visit", "visit"])
        self.assertEqual(len(s), 0)
        s.close()

    def test_two_contacts_never_print_as_one(self) -> None:
        s = libiv.Store()
        s.append(contact="a", ts="2024-01-01", channel="web", type="visit")
        try:
            s.append(contact="a\x00b", ts="2024-01-02", channel="web", type="visit")
        except ValueError:
            pass
        # either both are stored as themselves or the second is refused: never one "a"
        rows = [r["contact"] for r in s.contacts_table()]
        self.assertEqual(rows, ["a"])
        self.assertEqual(s.contacts, 1)
        self.assertEqual(len(s), 1)
        s.close()


if __name__ == "__main__":
    unittest.main()
