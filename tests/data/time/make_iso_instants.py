#!/usr/bin/env python3
"""Write iso_instants.csv: ISO 8601 timestamps in the spellings of the timestamp fast path
(YYYY-MM-DDThh:mm:ssZ, with .sss milliseconds, with a +hh:mm / -hh:mm offset, both) and
near misses, with the instant in milliseconds since 1970-01-01T00:00:00Z computed by
Python's datetime (independent of libiv), or an empty ms when the text is not a valid
timestamp or its instant is outside 1900-01-01T00:00:00Z <= t < 2201-01-01T00:00:00Z
(doc/GUIDE.md section 1). Deterministic: python3 make_iso_instants.py > iso_instants.csv"""
import random
from datetime import datetime, timedelta, timezone

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
LO = datetime(1900, 1, 1, tzinfo=timezone.utc)
HI = datetime(2201, 1, 1, tzinfo=timezone.utc)


def instant(y, mo, d, hh, mi, ss, ms, off):
    """ms since the epoch, or None when invalid or out of range."""
    try:
        tz = timezone(timedelta(minutes=off)) if off is not None else timezone.utc
        t = datetime(y, mo, d, hh, mi, ss, ms * 1000, tzinfo=tz)
    except ValueError:
        return None
    if not (LO <= t < HI):
        return None
    delta = t - EPOCH
    return (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000


def text(y, mo, d, hh, mi, ss, ms, off, hm=None):
    s = "%04d-%02d-%02dT%02d:%02d:%02d" % (y, mo, d, hh, mi, ss)
    if ms is not None:
        s += ".%03d" % ms
    if off is None:
        return s + "Z"
    sign = "-" if off < 0 else "+"
    oh, om = hm if hm else (abs(off) // 60, abs(off) % 60)
    return s + "%s%02d:%02d" % (sign, oh, om)


def main():
    rnd = random.Random(20261206)
    rows = []
    for i in range(4000):
        kind = i % 4  # Z, .sssZ, offset, .sss+offset
        edge = rnd.random() < 0.3
        y = rnd.choice([1899, 1900, 1901, 1970, 2000, 2024, 2100, 2199, 2200, 2201]) if edge else rnd.randint(1900, 2200)
        mo = rnd.randint(0, 13) if rnd.random() < 0.05 else rnd.randint(1, 12)
        d = rnd.choice([0, 28, 29, 30, 31, 32]) if edge else rnd.randint(1, 28)
        hh = rnd.choice([0, 23, 24]) if edge else rnd.randint(0, 23)
        mi = rnd.choice([0, 59, 60]) if edge else rnd.randint(0, 59)
        ss = rnd.choice([0, 59, 60]) if edge else rnd.randint(0, 59)
        ms = rnd.randint(0, 999) if kind in (1, 3) else None
        off = None
        if kind >= 2:
            oh = rnd.choice([0, 1, 14, 23, 24]) if edge else rnd.randint(0, 14)
            om = rnd.choice([0, 30, 45, 59, 60]) if edge else rnd.choice([0, 30, 45])
            off = (oh * 60 + om) * rnd.choice([1, -1])
            if oh > 23 or om > 59:  # not an offset: datetime would take 24:00, libiv must not
                rows.append((text(y, mo, d, hh, mi, ss, ms, off, (oh, om)), None))
                continue
        if (edge and rnd.random() < 0.1):  # one byte spoilt: a letter or another separator
            t = list(text(y, mo, d, hh, mi, ss, ms, off))
            k = rnd.randrange(len(t))
            t[k] = rnd.choice("x/ :.T-+Z\x7f")
            s = "".join(t)
            orig = text(y, mo, d, hh, mi, ss, ms, off)
            if s != orig:
                rows.append((s, "?"))  # the general parser decides; the test compares with it
                continue
        ms_value = instant(y, mo, d, hh, mi, ss, ms or 0, off)
        rows.append((text(y, mo, d, hh, mi, ss, ms, off), ms_value))
    print("text,ms")
    for s, v in rows:
        print("%s,%s" % (s, "" if v is None else v))


main()
