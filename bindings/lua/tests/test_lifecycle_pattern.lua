-- The Lua module: lifecycle (churn, retention, cohorts, funnel, CLV predictions), RV
-- patterns (doc/PATTERN.md), segment compare, summaries and snapshots. Store-level results are
-- compared value for value with the `iv` tool's JSON on the bundled sample (a separate
-- program over the C API); the array kernels with values worked out by hand (comments).
package.path = "./?.lua;" .. package.path
local T = require "support"
local iv = require "iv"

local S = T.sample
local store = assert(iv.load(S))

-- rows (or one row) from the binding equal `iv ARGS --format json`
local function same(got, args, what)
  local want = T.iv_json(args)
  if want[1] == nil then want = {want} end   -- one object: a single result
  if got[1] == nil then got = {got} end
  T.same_rows(got, want, what or table.concat(args, " "))
end

-- lifecycle -----------------------------------------------------------------------------

T.test("churn with the default period matches iv churn", function()
  same(assert(store:churn()), {"churn", S})
end)

T.test("retention by team over a given period and window matches iv retention", function()
  same(assert(store:retention{t0 = "2024-04-01", t1 = "2024-10-01", window = "60d",
                              by = {"team"}}),
       {"retention", S, "--from", "2024-04-01", "--to", "2024-10-01", "--window", "60d",
        "--by", "team"})
  -- the window in milliseconds is the same as the text
  local a = assert(store:churn{window = 30 * 86400000, where = "region = amer", format = "json"})
  assert(a == assert(store:churn{window = "30d", where = "region = amer", format = "json"}))
end)

T.test("cohorts weekly and monthly match iv cohorts; unobserved cells are nil", function()
  local rows = assert(store:cohorts{from = "2024-06-01"})
  local unobserved = 0
  -- the data ends on Tuesday 2024-12-31: ISO week 2025-W01 is not over
  for _, r in ipairs(rows) do if r.rate == nil then unobserved = unobserved + 1 end end
  assert(unobserved > 0, "no unobserved cell")
  same(rows, {"cohorts", S, "--from", "2024-06-01"})
  same(assert(store:cohorts{period = "month", by = "region"}),
       {"cohorts", S, "--period", "month", "--by", "region"})
end)

T.test("funnel steps as text or nested arrays match iv funnel; step is an integer", function()
  local args = {"funnel", S, "--steps", "visit,demo|trial,purchase"}
  local rows = assert(store:funnel{steps = {"visit", {"demo", "trial"}, "purchase"}})
  assert(math.type(rows[1].step) == "integer" and rows[3].step == 3)
  assert(rows[4].step == "support_after")
  same(rows, args)
  same(assert(store:funnel{steps = "visit,demo|trial,purchase"}), args)
  same(assert(store:funnel{steps = "signup,download,purchase", mode = "strict",
                           window = "14d", by = "team"}),
       {"funnel", S, "--steps", "signup,download,purchase", "--mode", "strict", "--window",
        "14d", "--by", "team"})
  same(assert(store:funnel{steps = "signup,download,purchase", mode = "any",
                           from = "2024-01-01", to = "2024-07-01"}),
       {"funnel", S, "--steps", "signup,download,purchase", "--mode", "any", "--from",
        "2024-01-01", "--to", "2024-07-01"})
end)

T.test("bad funnel steps: nil, message with the position, IV_EPARSE", function()
  local ok, msg, code = store:funnel{steps = "visit,,purchase"}
  assert(ok == nil and code == -4 and msg:find("character 7"), msg)
  assert(not pcall(store.funnel, store, {steps = "visit", mode = "sideways"}))
end)

T.test("CLV fit and predictions match iv clv fit|predict", function()
  for _, m in ipairs{"bgnbd", "gg"} do
    local c <close> = assert(store:clv_fit{model = m})
    same(c:params(), {"clv", "fit", S, "--model", m})
  end
  same(assert(store:clv_predict{model = "bgnbd", spend = true}),
       {"clv", "predict", S, "--model", "bgnbd", "--spend"})
  same(assert(store:clv_predict{unit = "day", horizon = 90, spend = true, discount = 0.02}),
       {"clv", "predict", S, "--model", "bgnbd", "--unit", "day", "--horizon", "90",
        "--spend", "--discount", "0.02"})
end)

-- patterns over the store -------------------------------------------------------------

local SHAPE = {"--bucket", "14d", "--buckets", "6"}
local function shape(t)
  t.bucket, t.buckets = "14d", 6
  return t
end
local function args(t)
  for _, a in ipairs(SHAPE) do t[#t + 1] = a end
  return t
end

T.test("trajectories in each alignment match iv pattern trajectories", function()
  same(assert(store:trajectories(shape{where = "team = east"})),
       args{"pattern", "trajectories", S, "--where", "team = east"})
  same(assert(store:trajectories{align = "index", buckets = 5, where = "team = west"}),
       {"pattern", "trajectories", S, "--align", "index", "--buckets", "5", "--where",
        "team = west"})
  same(assert(store:trajectories{align = "calendar", origin = "2024-01-01",
                                 from = "2024-01-01", to = "2024-04-01", buckets = 4,
                                 bucket = 30 * 86400000, where = "region = emea"}),
       {"pattern", "trajectories", S, "--align", "calendar", "--origin", "2024-01-01",
        "--from", "2024-01-01", "--to", "2024-04-01", "--buckets", "4", "--bucket", "30d",
        "--where", "region = emea"})
end)

T.test("norm and contact versus norm (row and per bucket) match iv pattern", function()
  same(assert(store:norm(shape{where = "team = north"})),
       args{"pattern", "norm", S, "--where", "team = north"})
  local row, detail = store:contact_vs_norm("C000001", shape{where = "team = east"})
  same(row, args{"pattern", "compare", S, "--contact", "C000001", "--norm-where",
                 "team = east"})
  same(detail, args{"pattern", "compare", S, "--contact", "C000001", "--norm-where",
                    "team = east", "--detail"})
  local _, msg, code = store:contact_vs_norm("nobody")
  assert(code == -7 and msg:find("nobody"), msg)
end)

T.test("nearest norm with DTW and Euclidean matches iv pattern nearest", function()
  local subsets = {"team = east", "team = west", "region = apac"}
  same(assert(store:nearest_norm(shape{subsets = subsets, where = "variant = A", window = 2})),
       args{"pattern", "nearest", S, "--subsets", table.concat(subsets, ";"), "--where",
            "variant = A", "--window", "2"})
  same(assert(store:nearest_norm(shape{subsets = {subsets[1], subsets[2]},
                                       distance = "euclidean", where = "team = south"})),
       args{"pattern", "nearest", S, "--subsets", subsets[1] .. ";" .. subsets[2],
            "--distance", "euclidean", "--where", "team = south"})
end)

T.test("rank, stalled and next best action match iv pattern", function()
  same(assert(store:rank{top = 25, where = "region = amer"}),
       {"pattern", "rank", S, "--top", "25", "--where", "region = amer"})
  same(assert(store:stalled{quantile = 0.75, all = true, where = "team = east"}),
       {"pattern", "stalled", S, "--quantile", "0.75", "--all", "--where", "team = east"})
  same(assert(store:stalled()), {"pattern", "stalled", S})
  same(assert(store:next_best_action("C000003", {success = "has purchase",
                                                 where = "channel != phone"})),
       {"pattern", "next", S, "--contact", "C000003", "--success", "has purchase", "--where",
        "channel != phone"})
end)

T.test("A/B and segment compare match iv pattern ab and iv compare", function()
  same(assert(store:ab{by = "variant", t0 = "2024-01-01", t1 = "2024-07-01"}),
       {"pattern", "ab", S, "--by", "variant", "--from", "2024-01-01", "--to", "2024-07-01"})
  same(assert(store:ab{by = "team", t0 = "2024-03-01", t1 = "2024-09-01", group_a = "west",
                       group_b = "east", where = "region = amer"}),
       {"pattern", "ab", S, "--by", "team", "--from", "2024-03-01", "--to", "2024-09-01",
        "--a", "west", "--b", "east", "--where", "region = amer"})
  local cmp = {"compare", S, "--metric", "rv", "--a", "team = east", "--b", "team = west",
               "--where", "region = amer", "--confidence", "0.9"}
  same(assert(store:segment_compare{metric = "rv", where_a = "team = east",
                                    where_b = "team = west", where = "region = amer",
                                    confidence = 0.9}), cmp)
  -- the older two-step store:compare agrees
  same(assert(store:compare{metric = "rv", a = "team = east", b = "team = west",
                            where = "region = amer", confidence = 0.9}), cmp)
end)

-- pattern kernels over arrays (hand-worked) ---------------------------------------------

T.test("euclidean and DTW by hand", function()
  local P = iv.pattern
  assert(P.euclidean({0, 0}, {3, 4}) == 5)
  -- the third bucket is unobserved in y (NaN, or a nil hole with n): sqrt(0 + 2^2)
  assert(P.euclidean({1, 2, 9}, {1, 4, 0 / 0}) == 2)
  assert(P.euclidean({1, 2, 9}, {1, 4, nil, n = 3}) == 2)
  assert(P.euclidean({0 / 0, 1}, {1, 1}) == nil)
  -- x = 0 1 2, y = 0 0 1, w = 1, cost (x_i - y_j)^2: D00 = 0, D01 = 0, D10 = 1, D11 = 1,
  -- D12 = 0 + min(D01, D11) = 0, D21 = 4 + min(D10, D11) = 5, D22 = 1 + min(1, 0, 5) = 1
  assert(P.dtw({0, 1, 2}, {0, 0, 1}, {window = 1}) == 1)
  assert(T.close(P.dtw({0, 1, 2}, {0, 0, 1}, {window = 0}), math.sqrt(2)))
  assert(P.dtw({0, 1, 2}, {5, 5, 5}, {cutoff = 1}) == math.huge)
end)

T.test("envelope, LB_Keogh and nearest by hand", function()
  local P = iv.pattern
  local lo, up = P.envelope({1, 3, 2, 5}, {window = 1})
  assert(table.concat(lo, ",") == "1.0,1.0,2.0,2.0" and table.concat(up, ",") == "3.0,3.0,5.0,5.0")
  -- x = 0 2 6 3: 1 below, inside, 1 above, inside -> sqrt(2)
  assert(T.close(P.lb_keogh({0, 2, 6, 3}, lo, up), math.sqrt(2)))
  local idx, d = P.nearest({{0, 1, 2}, {10, 10, 10}, {0 / 0, 0 / 0, 0 / 0}},
                           {{0, 1, 3}, {9, 10, 11}}, {window = 0})
  assert(idx[1] == 1 and idx[2] == 2 and idx[3] == nil and idx.n == 3)   -- 1-based
  assert(d[1] == 1 and T.close(d[2], math.sqrt(2)) and d[3] == nil)
end)

T.test("norm (type-7 quantiles, raw MAD) and robust z by hand", function()
  local P = iv.pattern
  local rows = assert(P.norm({{1, 10}, {2, 20}, {3, 0 / 0}, {10, 40}}))
  -- bucket 1: 1 2 3 10: median 2.5; p10 at h = 0.3: 1.3; p90 at h = 2.7: 3 + 0.7 * 7;
  -- |deviations| 1.5 0.5 0.5 7.5 -> MAD 1; bucket 2: 10 20 40 -> median 20
  local b1 = rows[1]
  assert(b1.contacts == 4 and b1.median == 2.5 and T.close(b1.p10, 1.3) and
         T.close(b1.p90, 7.9) and b1.mad == 1)
  assert(rows[2].contacts == 3 and rows[2].median == 20)
  -- bucket 2 of 10..50: median 30, MAD 10, s = 14.826: z = 50 / 14.826 = 3.37 < 3.5
  local r, z = P.vs_norm({3, 80}, {{1, 10}, {2, 20}, {3, 30}, {4, 40}, {5, 50}})
  assert(z[1] == 0 and T.close(z[2], 50 / 14.826) and z.n == 2)
  assert(r.buckets == 2 and r.anomaly == false and r.percentile == 1)
  r = P.vs_norm({3, 80}, {{1, 10}, {2, 20}, {3, 30}, {4, 40}, {5, 50}}, {anomaly_z = 3})
  assert(r.anomaly == true)
end)

-- summaries and snapshots -----------------------------------------------------------------

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

local function run(cmd)
  local p = assert(io.popen(T.iv .. " " .. cmd .. " 2>&1"))
  local out = p:read("a")
  assert(p:close(), cmd .. ": " .. out)
end

T.test("summaries: make, merge, show, quantile, compare match iv summary", function()
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p '" .. dir .. "'"))
  run(("partition '%s' --parts 2 -o '%s/p'"):format(S, dir))
  local parts = {}
  for i = 0, 1 do
    local part, f = ("%s/p-%d.ivstore"):format(dir, i), ("%s/s%d.ivsum"):format(dir, i)
    run(("summary make '%s' -o '%s' --by team"):format(part, f))
    local ps <close> = assert(iv.load(part))
    local sm = assert(ps:summary{by = "team"})
    assert(sm:to_bytes() == read(f), "summary bytes of part " .. i)
    parts[#parts + 1] = assert(iv.summary_load(f))
  end
  local merged = dir .. "/m.ivsum"
  run(("summary merge '%s/s0.ivsum' '%s/s1.ivsum' -o '%s'"):format(dir, dir, merged))
  local m = assert(parts[1]:merge(parts[2]))
  assert(m:to_bytes() == read(merged) and #m == 6)
  same(assert(m:metrics()), {"summary", "show", merged})
  same(assert(store:metrics{by = "team"}), {"summary", "show", merged})
  local q = T.iv_json({"summary", "quantile", merged, "--metric", "rv", "--p", "0.9"})
  for g = 1, #m do assert(T.close(m:quantile(g, "rv", 0.9), q[g].value)) end
  same(assert(m:compare(1, m, 2, "rv")),
       {"summary", "compare", merged, merged, "--metric", "rv", "--group-a", "0",
        "--group-b", "1"})
  local _, _, code = m:quantile(0, "rv")
  assert(code == -6)                                  -- IV_ERANGE: groups are 1-based
  local _, _, code2 = iv.summary_from_bytes("not a summary")
  assert(code2 == -8)                                 -- IV_ECORRUPT
  for _, p in ipairs(parts) do p:close() end
  os.execute("rm -rf '" .. dir .. "'")
end)

T.test("a saved store gives the same lifecycle and pattern results", function()
  local path = os.tmpname()
  assert(store:save(path))
  same(assert(store:funnel{steps = "visit,purchase"}),
       {"funnel", path, "--steps", "visit,purchase"})
  local s2 <close> = assert(iv.load(path))
  for _, c in ipairs{{"churn", {}}, {"cohorts", {period = "month"}}, {"rank", {top = 10}},
                     {"norm", {buckets = 6}}} do
    local o1, o2 = {format = "json"}, {format = "json"}
    for k, v in pairs(c[2]) do o1[k], o2[k] = v, v end
    assert(store[c[1]](store, o1) == s2[c[1]](s2, o2), c[1])
  end
  os.remove(path)
end)

T.test("partition_of is FNV-1a 64 modulo the parts", function()
  -- FNV-1a 64 of "a": (14695981039346656037 xor 97) * 1099511628211 mod 2^64
  -- = 0xaf63dc4c8601ec8c (the published FNV test vector) = 12638187200555641996;
  -- mod 7 = 5 (12638187200555641996 = 7 * 1805455314365091713 + 5), mod 2 = 0
  assert(iv.partition_of("a", 7) == 5 and iv.partition_of("a", 2) == 0)
  assert(iv.partition_of("a", 0) == 0)
end)

store:close()
T.finish()
