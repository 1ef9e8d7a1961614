-- Holdout validation through the Lua module (clv:validate, store:clv_validate; doc/CLV.md):
-- the table written out here from the model's own conditional expectations, equal to
-- `iv clv validate` from a log (the CLI as the independent second path), covariates,
-- undefined correlation as nil, errors naming the element.
package.path = "./?.lua;" .. package.path
local T = require "support"
local iv = require "iv"

local X = {0, 0, 1, 2, 3, 4, 5, 6, 8, 12}
local TX = {0, 0, 5, 10, 20.5, 30, 15, 33, 36, 38}
local TT = {40, 12, 30, 38, 39, 38, 39, 40, 38, 39}
local HX = {0, 1, 0, 1, 2, 1, 0, 3, 4, 6}
local HT = {13, 6.5, 13, 13, 13, 13, 13, 13, 13, 13}
local LABELS = {"0", "1", "2", "3", "4", "5", "6", "7+", "all"}

-- the table written out: per class count and means; totals, mae, rmse, correlation
local function by_hand(pred, x, hx)
  local rows, n = {}, #x
  for k = 0, 7 do
    local c, a, p = 0, 0, 0
    for i = 1, n do
      if math.min(math.floor(x[i]), 7) == k then c, a, p = c + 1, a + hx[i], p + pred[i] end
    end
    rows[#rows + 1] = {x = LABELS[k + 1], customers = c, actual = c > 0 and a / c or T.null,
                       predicted = c > 0 and p / c or T.null, mae = T.null, rmse = T.null,
                       correlation = T.null}
  end
  local sa, sp, ae, se = 0, 0, 0, 0
  for i = 1, n do
    sa, sp = sa + hx[i], sp + pred[i]
    ae, se = ae + math.abs(hx[i] - pred[i]), se + (hx[i] - pred[i]) ^ 2
  end
  local ma, mp, va, vp, cv = sa / n, sp / n, 0, 0, 0
  for i = 1, n do
    va, vp = va + (hx[i] - ma) ^ 2, vp + (pred[i] - mp) ^ 2
    cv = cv + (hx[i] - ma) * (pred[i] - mp)
  end
  rows[9] = {x = "all", customers = n, actual = sa, predicted = sp, mae = ae / n,
             rmse = math.sqrt(se / n),
             correlation = (va > 0 and vp > 0) and cv / math.sqrt(va * vp) or T.null}
  return rows
end

T.test("the table is the one written out, for BG/NBD, MBG/NBD and Pareto/NBD", function()
  for _, m in ipairs{{"bgnbd", {0.2426, 4.414, 0.793, 2.426}}, {"mbgnbd", {0.525, 6.18, 0.891, 1.61}},
                     {"pareto", {0.553, 10.58, 0.606, 11.67}}} do
    local c <close> = assert(iv.clv_new(m[1], m[2]))
    local pred = assert(c:conditional(HT, X, TX, TT))
    T.same_rows(assert(c:validate{x = X, t_x = TX, T = TT, holdout_x = HX, holdout_T = HT}),
                by_hand(pred, X, HX), m[1])
  end
end)

T.test("BG/BB takes n and holdout_n; one holdout length for all", function()
  local c <close> = assert(iv.clv_new("bgbb", {1.204, 0.750, 0.657, 2.783}))
  local x, tx, n, hx = {0, 1, 2, 3, 6}, {0, 3, 5, 6, 6}, {6, 4, 6, 6, 6}, {0, 1, 0, 2, 4}
  local pred = assert(c:conditional(5, x, tx, n))
  T.same_rows(assert(c:validate{x = x, t_x = tx, n = n, holdout_x = hx, holdout_n = 5}),
              by_hand(pred, x, hx), "bgbb")
end)

T.test("a constant column leaves the correlation undefined (nil)", function()
  local c <close> = assert(iv.clv_new("bgnbd", {0.2426, 4.414, 0.793, 2.426}))
  local rows = assert(c:validate{x = X, t_x = TX, T = TT, holdout_x = HX, holdout_T = 0})
  assert(rows[9].correlation == nil and rows[9].predicted == 0)
  assert(T.close(rows[9].mae, 1.8) and T.close(rows[9].rmse, math.sqrt(6.8)))
end)

T.test("covariates: each customer at its own rates", function()
  local z = {0, 1, 0, 1, 1, 0, 1, 0, 1, 0}
  local c <close> = assert(iv.clv_fit("pareto", {x = X, t_x = TX, T = TT, penalizer = 0.1,
    purchase_covariates = {z = z}, dropout_covariates = {z = z}}))
  local pred = {}
  for i = 1, #X do
    local one <close> = assert(c:for_customer{purchase = {z[i]}, dropout = {z[i]}})
    pred[i] = assert(one:conditional(HT[i], X[i], TX[i], TT[i]))
  end
  T.same_rows(assert(c:validate{x = X, t_x = TX, T = TT, holdout_x = HX, holdout_T = HT,
                                purchase_covariates = {z = z}, dropout_covariates = {z = z}}),
              by_hand(pred, X, HX), "covariates")
end)

T.test("errors: the element named; Gamma-Gamma refused", function()
  local c <close> = assert(iv.clv_new("bgnbd", {0.2426, 4.414, 0.793, 2.426}))
  local r, msg, code = c:validate{x = {1, 2, 3}, t_x = {1, 5, 2}, T = {10, 4, 10},
                                  holdout_x = {0, 1, 2}, holdout_T = 5}
  assert(r == nil and msg:find("^element 2: customer 1: ") and code == -6, msg)
  local gg <close> = assert(iv.clv_new("gg", {6.25, 3.74, 15.44}))
  r, msg = gg:validate{x = {1}, t_x = {1}, T = {2}, holdout_x = {0}, holdout_T = 1}
  assert(r == nil and msg:find("Gamma%-Gamma"), msg)
  assert(not pcall(c.validate, c, {x = {1, 2}, t_x = {1}, T = {2, 2}, holdout_x = {0, 0},
                                   holdout_T = 1}))
end)

T.test("store:clv_validate equals iv clv validate on a log", function()
  local log = os.tmpname()
  local f = assert(io.open(log, "w"))
  f:write("contact,ts,channel,type,value\n")
  for line in io.lines(T.data .. "/cdnow/CDNOW_sample.txt") do
    local _, id, d, _, v = line:match("(%S+)%s+(%S+)%s+(%d+)%s+(%S+)%s+(%S+)")
    if id then
      f:write(("%s,%s-%s-%s,web,purchase,%s\n"):format(id, d:sub(1, 4), d:sub(5, 6), d:sub(7, 8), v))
    end
  end
  f:close()
  local s <close> = assert(iv.load(log))
  for _, m in ipairs{"bgnbd", "pareto", "bgbb"} do
    local want = T.iv_json{"clv", "validate", log, "--model", m, "--calibration-end",
                           "1997-09-30", "--holdout-end", "1998-06-30"}
    T.same_rows(assert(s:clv_validate{model = m, calibration_end = "1997-09-30",
                                      holdout_end = "1998-06-30"}), want, m)
  end
  local r, msg = s:clv_validate{model = "bgnbd"}
  assert(r == nil and msg:find("calibration end"), msg)
  os.remove(log)
end)

T.finish()
