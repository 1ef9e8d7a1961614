-- Product analytics through the Lua module on the hand-made logs of tests/data/product;
-- the expected values are worked by hand in tests/test_product.c (the same logs) and in
-- bindings/python/tests/test_product.py (the series).
package.path = "./?.lua;" .. package.path
local T = require "support"
local iv = require "iv"

local funnel = assert(iv.load(T.data .. "/product/funnel.csv"))
local life = assert(iv.load(T.data .. "/product/lifecycle.csv"))
local DAY = 86400

T.test("funnel quantiles, exclusions and histogram", function()
  local r = assert(funnel:funnel{steps = "signup,demo,purchase", window = "14d"})
  assert(r[1].contacts == 7 and r[2].contacts == 6 and r[3].contacts == 3)
  assert(T.close(r[2].seconds_from_previous_p90, 4.5 * DAY, 1e-12))
  assert(T.close(r[3].seconds_from_previous_mean, 10 / 3 * DAY, 1e-12))
  assert(r[1].seconds_from_previous_p10 == nil)
  r = assert(funnel:funnel{steps = "signup,demo,purchase", window = "14d", exclude = "refund@2-3"})
  assert(r[1].contacts == 5 and r[2].contacts == 4 and r[3].contacts == 2)
  local h = assert(funnel:funnel_histogram{steps = "signup,demo,purchase", window = "14d"})
  assert(#h == 5 and h[3].contacts == 1 and h[5].bin == "7d-14d (window)")
  local t, err = funnel:funnel{steps = "signup,demo", exclude = "refund@2-1"}
  assert(t == nil and tostring(err):find("@2-1", 1, true))
end)

T.test("lifecycle, stickiness, paths", function()
  local r = assert(life:lifecycle{period = "week"})
  assert(#r == 4 and r[3].period == "2024-W03" and r[3].new == 1 and r[3].returning == 1
         and r[3].dormant == -1 and r[4].resurrecting == 1 and r[4].dormant == -2)
  local s = assert(life:stickiness{period = "week"})
  assert(#s == 7 and s[1].contacts == 6 and s[1].share == 1 and s[2].contacts == 0)
  local p = assert(funnel:paths{start_types = "signup", steps = 2})
  assert(#p == 3 and p[1].path == "demo > refund" and p[1].contacts == 3)
  assert(T.close(p[1].share, 3 / 7, 1e-12))
  p = assert(funnel:paths{start_types = "signup", steps = 2, top = 1})
  assert(#p == 1)
end)

T.test("churn and retention series, retention events", function()
  local c = assert(life:churn{t0 = "2024-01-01", t1 = "2024-01-29", window = "7d", every = "week"})
  assert(#c == 4 and c[3].period == "2024-W03" and c[3].start == 2 and c[3].lost == 1
         and c[3].churn == 0.5 and c[2].churn == nil)
  local r = assert(life:retention{t0 = "2024-01-01", t1 = "2024-01-29", window = "7d", every = "week"})
  assert(r[4]["end"] == 1 and r[4].new == 0 and r[4].retention == 0.5)
  local k = assert(funnel:cohorts{period = "month", start_types = "signup", return_types = "purchase"})
  assert(k[1].cohort == "2024-03" and k[1].contacts == 7 and k[1].retained == 3)
end)

T.test("nps interval and the two-selection nps test", function()
  local s = assert(iv.load(T.sample))
  local m = {}
  for _, r in ipairs(assert(s:metrics{by = {"variant"}})) do m[r.variant] = r end
  for _, r in pairs(m) do
    assert(T.close(r.nps_ci_low, math.max(-100, r.nps - 1.959964 * r.nps_se), 1e-12))
    assert(T.close(r.nps_ci_high, math.min(100, r.nps + 1.959964 * r.nps_se), 1e-12))
  end
  local c = assert(s:segment_compare{metric = "nps", where_a = "variant = A", where_b = "variant = B"})
  if c[1] then c = c[1] end
  local z = (m.A.nps - m.B.nps) / math.sqrt(m.A.nps_se ^ 2 + m.B.nps_se ^ 2)
  assert(T.close(c.z, z, 1e-12) and T.close(c.diff, m.A.nps - m.B.nps, 1e-12))
  s:close()
end)

funnel:close()
life:close()
T.finish()
