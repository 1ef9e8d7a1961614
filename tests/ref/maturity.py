#!/usr/bin/python3
"""Expected values for tests/test_maturity.c, computed independently of libiv.

The rubric of tests/data/maturity/small.ini and the indicator values of current.csv and
previous.csv are restated here by hand; levels follow doc/MATURITY.md with exact rational
arithmetic (fractions.Fraction), and the peer percentile ranks come from SciPy's
percentileofscore(kind='mean') (ties count half). Run: /usr/bin/python3 tests/ref/maturity.py
"""
from fractions import Fraction as F
import math
import statistics

from scipy import stats

RUBRIC = {  # name: (area, weight, direction, thresholds t2..t10)
    "channels.share": ("channels", 1, "higher", ["0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9"]),
    "channels.cost": ("channels", 3, "lower", [9, 8, 7, 6, 5, 4, 3, 2, 1]),
    "experience.nps": ("experience", 1, "higher", [-40, -20, -10, 0, 10, 20, 30, 50, 70]),
    "experience.csat": ("experience", 2, "higher", [50, 60, 65, 70, 75, 80, 85, 90, 95]),
    "analytics.coverage": ("analytics", 1, "higher", ["0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9"]),
    "governance.self": ("governance", 1, "higher", [2, 3, 4, 5, 6, 7, 8, 9, 10]),
}
AREA_WEIGHT = {"channels": 2}
AREAS = ["technology", "channels", "engagement", "experience", "content", "business",
         "analytics", "governance"]


def level(name, x):
    """doc/MATURITY.md, written from the text: reaching t_k (k = 2..10) means x >= t_k (higher) or
    x <= t_k (lower); between t_k and t_{k+1} interpolate; below t2 -> 1; from t10 -> 10."""
    _, _, direction, ts = RUBRIC[name]
    t = {k: F(str(v)) for k, v in zip(range(2, 11), ts)}
    x = F(str(x))
    reached = [k for k in range(2, 11) if (x >= t[k] if direction == "higher" else x <= t[k])]
    if not reached:
        return F(1)
    k = max(reached)
    if k == 10:
        return F(10)
    if direction == "higher":
        return k + (x - t[k]) / (t[k + 1] - t[k])
    return k + (t[k] - x) / (t[k] - t[k + 1])


def assess(values):
    rows = {}
    for area in AREAS:
        inds = [n for n, d in RUBRIC.items() if d[0] == area]
        obs = [n for n in inds if n in values]
        if obs:
            w = sum(RUBRIC[n][1] for n in obs)
            score = sum(RUBRIC[n][1] * level(n, values[n]) for n in obs) / w
            staged = math.floor(min(level(n, values[n]) for n in obs))
        else:
            score, staged = None, None
        cov = F(len(obs), len(inds)) if inds else None
        rows[area] = (score, staged, cov, [n for n in inds if n not in values])
    scored = [(AREA_WEIGHT.get(a, 1), r[0]) for a, r in rows.items() if r[0] is not None]
    overall = sum(w * s for w, s in scored) / sum(w for w, _ in scored)
    return rows, overall, min(s for _, s in scored)


def show(label, v):
    print(f"{label} = {float(v)!r}  ({v})")


CURRENT = {"channels.share": "0.35", "channels.cost": "2.25", "experience.nps": -30,
           "governance.self": 7}
PREVIOUS = {"channels.share": "0.2", "channels.cost": 4, "experience.nps": -40,
            "governance.self": "5.5"}

print("# levels")
for name, x in [("channels.share", "0.35"), ("channels.share", "0.5"), ("channels.share", "0.1"),
                ("channels.share", "0.9"), ("channels.share", "0.05"), ("channels.share", 5),
                ("channels.cost", "6.5"), ("channels.cost", "9.5"), ("channels.cost", 9),
                ("channels.cost", 1), ("channels.cost", "0.5"), ("channels.cost", "2.25"),
                ("experience.nps", 25), ("experience.nps", -30)]:
    show(f"level({name}, {x})", level(name, x))

for label, vals in [("current", CURRENT), ("previous", PREVIOUS)]:
    rows, overall, mn = assess(vals)
    print(f"# assessment {label}")
    for a, (score, staged, cov, missing) in rows.items():
        print(a, None if score is None else float(score), None if score is None else math.floor(score),
              staged, None if cov is None else float(cov), missing)
    show("overall", overall)
    show("min", mn)

print("# year on year")
cur, cur_o, _ = assess(CURRENT)
prev, prev_o, _ = assess(PREVIOUS)
for a in AREAS:
    if cur[a][0] is not None and prev[a][0] is not None:
        d = cur[a][0] - prev[a][0]
        print(a, float(d), float(d / prev[a][0]), f"({d}, {d / prev[a][0]})")
d = cur_o - prev_o
print("overall", float(d), float(d / prev_o), f"({d}, {d / prev_o})")

print("# peers (scipy.stats.percentileofscore, kind='mean')")
peers = {"channels": [5, 7.6875, 9, 7.6875], "experience": [2.5, 1], "overall": [6, 7]}
scores = {"channels": float(cur["channels"][0]), "experience": float(cur["experience"][0]),
          "overall": float(cur_o)}
for a, ps in peers.items():
    print(a, len(ps), statistics.median(ps), stats.percentileofscore(ps, scores[a], kind="mean"))

print("# built-in indicators over [2024-01-01, 2025-01-01) of the log in test_maturity.c")
# Default model (doc/MODEL.md) restated: channel costs, digital channels, areas, RV units.
COST = {"web": 0.15, "phone": 2.83, "email": 1.0}  # email has no cost: default_cost 1.0
DIGITAL = {"web", "email"}
AREA = {"web": "experience", "email": "content", "phone": "engagement"}
RV = {"visit": 1, "purchase": 100, "repeat": 100, "open": 1, "click": 3}
SURVEY_HIGH = {"nps": 9, "csat": 4, "ces": 5}  # score >= this: +20
PURCHASE = {"purchase", "repeat"}
QF = {"desired": F(1), "neutral": F(1, 2), "undesired": F(0), "": F(1, 2)}
LOG = [  # contact, date, channel, type, outcome, cost, value, score, id
    ("a", "2024-02-01", "web", "visit", "desired", "0.5", "", "", "r1"),
    ("a", "2024-03-01", "web", "purchase", "desired", "0.5", "100", "", "r2"),
    ("a", "2024-04-01", "phone", "repeat", "neutral", "3", "50", "", "r3"),
    ("b", "2024-05-01", "email", "open", "", "1", "", "", ""),
    ("b", "2024-06-01", "email", "click", "desired", "", "", "", ""),
    ("b", "2024-07-01", "web", "purchase", "undesired", "0.5", "80", "", ""),
    ("c", "2024-08-01", "phone", "nps", "neutral", "3", "", "9", ""),
    ("c", "2024-09-01", "web", "csat", "", "", "", "4", ""),
    ("d", "2024-10-01", "web", "ces", "", "0.5", "", "5", ""),
    ("d", "2024-11-01", "web", "visit", "", "0.5", "", "", "r10"),
    ("a", "2023-06-01", "phone", "visit", "", "3", "", "", ""),
    ("b", "2023-07-01", "phone", "visit", "", "3", "", "", ""),
    ("a", "2025-02-01", "web", "visit", "", "0.5", "", "", ""),
]


def cost(r):
    return F(r[5]) if r[5] else F(str(COST[r[2]]))


def rv(r):
    if r[3] in SURVEY_HIGH:
        s = int(r[7])
        hi, lo = SURVEY_HIGH[r[3]], {"nps": 6, "csat": 2, "ces": 3}[r[3]]
        return 20 if s >= hi else (-20 if s <= lo else 0)
    return RV[r[3]]


def cpt(rows):
    return sum(cost(r) for r in rows) / len(rows)


P = [r for r in LOG if "2024-01-01" <= r[1] < "2025-01-01"]
n = len(P)
contacts = sorted({r[0] for r in P})
C = sum(cost(r) for r in P)
V = sum(F(r[6]) for r in P if r[6])
with_outcome = [r for r in P if r[4]]
buys = {c: sum(1 for r in P if r[0] == c and r[3] in PURCHASE) for c in contacts}
content = [r for r in P if AREA[r[2]] == "content"]
prev = [r for r in LOG if "2023-01-01" <= r[1] < "2024-01-01"]
ind = {
    "technology.id_coverage": F(sum(1 for r in P if r[8]), n),
    "channels.active_channels": len({r[2] for r in P}),
    "channels.digital_share": F(sum(1 for r in P if r[2] in DIGITAL), n),
    "channels.cpt": C / n,
    "engagement.repeat_rate": F(sum(1 for b in buys.values() if b >= 2), sum(1 for b in buys.values() if b >= 1)),
    "engagement.rv_per_contact": F(sum(rv(r) for r in P), len(contacts)),
    "experience.desired_rate": F(sum(1 for r in with_outcome if r[4] == "desired"), len(with_outcome)),
    "experience.csat": 100 * F(sum(1 for r in P if r[3] == "csat" and int(r[7]) >= 4), sum(1 for r in P if r[3] == "csat")),
    "experience.ces": F(sum(int(r[7]) for r in P if r[3] == "ces"), sum(1 for r in P if r[3] == "ces")),
    "experience.nps": 100 * F(sum(1 for r in P if r[3] == "nps" and int(r[7]) >= 9) - sum(1 for r in P if r[3] == "nps" and int(r[7]) <= 6), sum(1 for r in P if r[3] == "nps")),
    "content.rv_per_interaction": F(sum(rv(r) for r in content), len(content)),
    "business.iv": sum(QF[r[4]] for r in P) / C,
    "business.roi": (V - C) / C,
    "business.cpt_trend": (cpt(P) - cpt(prev)) / cpt(prev),
    "analytics.outcome_coverage": F(len(with_outcome), n),
    "analytics.value_coverage": F(sum(1 for r in P if r[6]), n),
    "analytics.survey_coverage": F(len({r[0] for r in P if r[3] in SURVEY_HIGH and r[7]}), len(contacts)),
    "governance.rejected_share": F(1, 14),  # 13 good rows + 1 bad date read
    "governance.cost_coverage": F(sum(1 for r in P if r[5]), n),
}
for k, x in ind.items():
    show(k, F(x))
# Unbounded period: the 12 months ending 1 ms after the last interaction (2025-02-01),
# i.e. [2024-02-01T00:00:00.001, 2025-02-01T00:00:00.001), against the year before it.
cur_u = [r for r in LOG if "2024-02-01" < r[1] <= "2025-02-01"]
prev_u = [r for r in LOG if "2023-02-01" < r[1] <= "2024-02-01"]
show("business.cpt_trend (unbounded)", (cpt(cur_u) - cpt(prev_u)) / cpt(prev_u))
