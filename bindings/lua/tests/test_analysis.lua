-- The Lua module: appended rows, the model, statistics, CLV and maturity, with expected
-- values worked out by hand (comments) or published (doc/CLV.md, the CDNOW parameters).
package.path = "./?.lua;" .. package.path
local T = require "support"
local iv = require "iv"

local function small_store()
  local s = iv.store()
  assert(s:append{contact = "A", ts = "2024-01-01T10:00:00Z", channel = "web", type = "visit"})
  assert(s:append{contact = "A", ts = "2024-01-02T10:00:00Z", channel = "phone",
                  type = "purchase", value = 100, outcome = "desired", region = "north"})
  assert(s:append{contact = "B", ts = 1704276000000, channel = "email", type = "open",
                  outcome = "undesired", cost = 0.5, region = "south"})
  return s
end

T.test("metrics of three appended rows by hand (doc/MODEL.md defaults)", function()
  local s <close> = small_store()
  local r = assert(s:metrics{})[1]
  local c = 0.15 + 2.83 + 0.5        -- web, phone default costs; email given
  assert(r.n == 3 and r.contacts == 2 and T.close(r.cost, c))
  assert(T.close(r.iv, (0.5 + 1 + 0) / c) and T.close(r.roi, (100 - c) / c))
  assert(T.close(r.rv, 102) and T.close(r.cost_per_rv, c / 102))
  assert(r.desired_rate == 0.5 and r.cost_assumed == 2 and r.nps == nil)
  local byr = assert(s:metrics{by = "region"})
  assert(byr[1].region == "north" and byr[2].region == "south" and byr[3].region == nil)
  assert(s:row(3).ts == "2024-01-03T10:00:00Z" and s:row(3).cost == 0.5)
  assert(s:row(2).region == "north" and s:row(1).cost == nil)
  assert(s:dims()[1] == "region")
end)

T.test("bad record: nil, message naming the field, nothing appended", function()
  local s <close> = iv.store()
  local ok, msg, code = s:append{contact = "a", ts = "2024-01-01", channel = "web",
                                 type = "visit", score = 11, ["type"] = "nps"}
  assert(ok == nil and code == -4 and msg:find("score"), msg)
  assert(s:rows() == 0)
end)

T.test("model: defaults of doc/MODEL.md, setters re-score, text round trip", function()
  local m <close> = iv.model()
  local p = m:type_info("purchase")
  assert(p.rv == 100 and p.stage == "closing" and p.class == "do" and p.flags[1] == "purchase")
  local ph = m:channel_info("phone")
  assert(ph.cost == 2.83 and ph.digital == false and ph.area == "engagement")
  assert(m:get_param("outcome_neutral") == 0.5 and m:get_param("rv_half_life_days") == nil)
  assert(m:set_type("purchase", {rv = 7, flags = {"purchase", "refer"}}))
  assert(m:set_channel("web", {cost = 1}))
  local s <close> = small_store()
  local r = assert(s:metrics{model = m})[1]
  assert(T.close(r.rv, 9) and T.close(r.cost, 4.33))
  local m2 <close> = assert(iv.model_parse(m:to_string()))
  assert(m == m2)
  local bad, msg, code = iv.model_parse("[type.purchase]\nrvv = 1\n")
  assert(bad == nil and code == -4 and msg:find("line 2"), msg)
  local _, msg2, code2 = m:set_channel("web", {cost = -1})
  assert(code2 == -6, msg2)
end)

T.test("statistics by hand", function()
  local a, b = {1, 2, 3}, {4, 5, 6}
  local t, df, p = iv.welch(a, b)
  assert(T.close(t, -3 / math.sqrt(2 / 3)) and T.close(df, 4))
  local th = math.atan(math.abs(t) / 2)   -- t with 4 df, A&S 26.7.3
  assert(T.close(p, 1 - math.sin(th) * (1 + math.cos(th) ^ 2 / 2), 1e-10))
  local u, pu, exact = iv.mwu(a, b)
  assert(u == 0 and T.close(pu, 0.1) and exact)   -- 2 / C(6,3)
  local c = assert(iv.stats_compare(a, b))
  assert(c.n_a == 3 and c.diff == -3)
  local half = 2.7764451051977987 * math.sqrt(2 / 3)   -- t_{0.975,4}
  assert(T.close(c.diff_ci_low, -3 - half, 1e-9) and T.close(c.diff_ci_high, -3 + half, 1e-9))
  assert(T.close(iv.t_sf(1, 1), 0.25))             -- Cauchy
end)

T.test("segment compare on a store by hand", function()
  local s <close> = iv.store()
  for _, g in ipairs{{"a", {1, 2, 3}}, {"b", {4, 5, 6}}} do
    for i, k in ipairs(g[2]) do
      for j = 1, k do
        s:append{contact = g[1] .. i, ts = 1704067200000 + j * 1000, channel = "web",
                 type = "visit", team = g[1]}
      end
    end
  end
  local r = assert(s:compare{metric = "rv", a = "team = a", b = "team = b"})
  assert(r.n_a == 3 and r.n_b == 3 and T.close(r.welch_t, -3 / math.sqrt(2 / 3)))
  local _, msg, code = s:compare{metric = "nope", a = "team = a", b = "team = b"}
  assert(code == -7 and msg:find("nope"), msg)
end)

T.test("CDNOW fits reproduce the published parameters", function()
  local path = os.tmpname()
  local out = assert(io.open(path, "w"))
  out:write("contact,ts,channel,type,value\n")
  for line in io.lines(T.data .. "/cdnow/CDNOW_sample.txt") do
    local _, id, d, _, v = line:match("(%S+)%s+(%S+)%s+(%d+)%s+(%S+)%s+(%S+)")
    if id then
      out:write(("%s,%s-%s-%s,web,purchase,%s\n"):format(id, d:sub(1, 4), d:sub(5, 6),
                                                          d:sub(7, 8), v))
    end
  end
  out:close()
  local s <close> = assert(iv.load(path))
  os.remove(path)
  assert(s:contacts() == 2357)
  local bg <close> = assert(s:clv_fit{model = "bgnbd", calibration_end = "1997-09-30"})
  local p = bg:params()
  for k, v in pairs{r = 0.2426, alpha = 4.414, a = 0.7930, b = 2.426} do
    assert(math.abs(p[k] / v - 1) < 0.005, k)
  end
  assert(math.abs(p.loglik + 9582.43) < 0.01 and p.customers == 2357)
  assert(bg:p_alive(0, 0, 30) == 1)       -- no repeat purchase: alive (FHL 2005)
  local gg <close> = assert(s:clv_fit{model = "gg", calibration_end = "1997-09-30"})
  local q = gg:params()
  for k, v in pairs{p = 6.25, q = 3.74, gamma = 15.44} do
    assert(math.abs(q[k] / v - 1) < 0.005, k)
  end
  assert(#assert(s:rfm{calibration_end = "1997-09-30"}) == 2357)
  assert(T.close(iv.clv_simple(100, 0.8, 0.1), 80 / 0.3, 1e-12))
end)

T.test("maturity of the sample: eight areas and overall, user values win", function()
  local s <close> = assert(iv.load(T.sample))
  local rows = assert(s:maturity{indicators = {["technology.self_assessment"] = 5}})
  assert(#rows == 9 and rows[9].area == "overall")
  assert(#rows[1].missing == 0 and rows[1].area == "technology")
  local rows2 = assert(s:maturity{})
  assert(rows2[1].missing[1] == "technology.self_assessment")
  local _, msg, code = s:maturity{rubric = "/nonexistent.ini"}
  assert(code == -3, msg)
end)

T.test("times", function()
  assert(iv.parse_time("2024-01-01T00:00:00+01:00") == 1704063600000)
  assert(iv.format_time(1704063600000) == "2023-12-31T23:00:00Z")
  local r, _, code = iv.parse_time("1800-01-01")
  assert(r == nil and code == -6)
end)

T.finish()
