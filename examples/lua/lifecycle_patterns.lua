-- libiv from Lua: churn, a funnel, CLV predictions and the RV pattern use cases.
--   LUA_CPATH='build/bindings/?.so' lua5.4 examples/lua/lifecycle_patterns.lua [data.csv]
local iv = require "iv"

local here = (arg[0]:match("^(.*)/[^/]*$") or ".")
local path = arg[1] or (here .. "/../data/sample.csv")
local store <close> = assert(iv.load(path))

for _, r in ipairs(assert(store:churn{by = "team"})) do
  print(("%-10s active %4d -> lost %3d: churn %.1f%%"):format(r.team, r.active_start, r.lost,
                                                              100 * r.churn))
end

for _, r in ipairs(assert(store:funnel{steps = {"visit", {"demo", "trial"}, "purchase"},
                                       window = "30d"})) do
  print(("step %-13s %5d contacts, from first %.3f"):format(tostring(r.step), r.contacts,
                                                            r.from_first))
end

local best
for _, r in ipairs(assert(store:clv_predict{model = "bgnbd", spend = true})) do
  if r.clv and (not best or r.clv > best.clv) then best = r end
end
print(("highest CLV: %s (CLV %.0f)"):format(best.contact, best.clv))

local row = assert(store:contact_vs_norm("C000001", {where = "team = east", buckets = 12}))
print(("C000001 vs east: max |z| %.1f, anomaly %s"):format(row.max_abs_z, tostring(row.anomaly)))

local stalled = assert(store:stalled())
local next_steps = assert(store:next_best_action(stalled[1].contact))
print(("%d stalled; next for %s: %s"):format(#stalled, stalled[1].contact, next_steps[1].type))

local cmp = assert(store:segment_compare{metric = "rv", where_a = "team = east",
                                         where_b = "team = west"})
print(("RV east - west: %.1f, Welch p %.3f"):format(cmp.diff, cmp.welch_p))

-- The same series kernels over plain arrays: DTW with a Sakoe-Chiba window of 1.
print("DTW:", iv.pattern.dtw({0, 1, 2}, {0, 0, 1}, {window = 1}))
