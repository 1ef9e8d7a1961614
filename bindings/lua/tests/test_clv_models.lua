-- CLV models of doc/CLV.md through the Lua module: standard errors, MBG/NBD, BG/BB,
-- shifted-BG, penalizer, and arrays in / arrays out for every per-customer function.
-- Published values as in tests/test_clv_models.c.
package.path = "./?.lua;" .. package.path
local T = require "support"
local iv = require "iv"

local function cdnow()
  local x, tx, TT = {}, {}, {}
  local f = assert(io.open(T.data .. "/cdnow/cdnow_customers_summary_with_transactions.csv"))
  f:read("l")
  for line in f:lines() do
    local _, a, b, c = line:match("^([^,]+),([^,]+),([^,]+),([^,]+)")
    x[#x + 1], tx[#tx + 1], TT[#TT + 1] = tonumber(a), tonumber(b), tonumber(c)
  end
  f:close()
  return x, tx, TT
end

local function near(got, want, rel)
  assert(math.abs(got - want) <= (rel or 0.005) * math.abs(want),
         string.format("%.10g vs %.10g", got, want))
end

T.test("Pareto/NBD standard errors are CLVTools' on CDNOW", function()
  local x, tx, TT = cdnow()
  local c <close> = assert(iv.clv_fit("pareto", {x = x, t_x = tx, T = TT}))
  local p = c:params()
  near(p.r_se, 0.0476); near(p.alpha_se, 0.843); near(p.s_se, 0.187); near(p.beta_se, 6.21)
end)

T.test("MBG/NBD, BG/BB and shifted-BG reproduce the published fits", function()
  local x, tx, TT = cdnow()
  local m <close> = assert(iv.clv_fit("mbgnbd", {x = x, t_x = tx, T = TT}))
  local p = m:params()
  near(p.r, 0.525); near(p.alpha, 6.183); near(p.a, 0.891); near(p.b, 1.614)
  local dx, dtx, dn, dw = {}, {}, {}, {}
  local f = assert(io.open(T.data .. "/donations/donations.csv"))
  f:read("l")
  for line in f:lines() do
    local a, b, c, d = line:match("^([^,]+),([^,]+),([^,]+),([^,]+)")
    dx[#dx + 1], dtx[#dtx + 1], dn[#dn + 1], dw[#dw + 1] =
      tonumber(a), tonumber(b), tonumber(c), tonumber(d)
  end
  f:close()
  local b <close> = assert(iv.clv_fit("bgbb", {x = dx, t_x = dtx, n = dn, weights = dw}))
  p = b:params()
  near(p.alpha, 1.204); near(p.beta, 0.750); near(p.gamma, 0.657); near(p.delta, 2.783)
  local pa = assert(b:p_alive({0, 2, 6}, {0, 4, 6}, 6))
  assert(#pa == 3 and math.abs(pa[1] - 0.11) < 0.005 and math.abs(pa[3] - 0.93) < 0.005)
  local pct = {100, 63.1, 46.8, 38.2, 32.6, 28.9, 26.2, 24.1}
  local per, ch, w = {}, {}, {}
  for t = 1, 7 do
    per[t], ch[t], w[t] = t, 1, math.floor(10 * (pct[t] - pct[t + 1]) + 0.5)
  end
  per[8], ch[8], w[8] = 7, 0, math.floor(10 * pct[8] + 0.5)
  local s <close> = assert(iv.clv_fit("sbg", {periods = per, churned = ch, weights = w}))
  p = s:params()
  near(p.alpha, 0.704); near(p.beta, 1.182)
  local surv = assert(s:survival({0, 1, 2}))
  assert(surv[1] == 1 and surv[2] < 1)
  assert(s:residual_lifetime(7, 0.1) > 0)
end)

T.test("pmf over an array sums to one and has the model's mean", function()
  local b <close> = assert(iv.clv_fit("bgnbd", (function()
    local x, tx, TT = cdnow(); return {x = x, t_x = tx, T = TT} end)()))
  local xs = {}
  for k = 0, 299 do xs[#xs + 1] = k end
  local p = assert(b:pmf(39, xs))
  local sum, mean = 0, 0
  for i, v in ipairs(p) do sum = sum + v; mean = mean + (i - 1) * v end
  near(sum, 1, 1e-10)
  near(mean, b:expected(39), 1e-8)
  local e = assert(b:expected({1, 39}))
  assert(#e == 2 and e[2] == b:expected(39))
end)

T.test("a penalizer (lifetimes' penalizer_coef) shrinks the fit and lowers the likelihood", function()
  local x, tx, TT = cdnow()
  local plain <close> = assert(iv.clv_fit("bgnbd", {x = x, t_x = tx, T = TT}))
  local pen <close> = assert(iv.clv_fit("bgnbd", {x = x, t_x = tx, T = TT, penalizer = 0.01}))
  local a, b = plain:params(), pen:params()
  assert(b.loglik < a.loglik)
  assert(b.b < a.b)
end)

T.test("covariates: all zero give the plain fit; negated covariates negate the coefficients", function()
  local x, tx, TT = cdnow()
  local zero, z, mz = {}, {}, {}
  for i = 1, #x do
    zero[i] = 0
    z[i] = (i % 3 == 0) and 1 or 0
    mz[i] = -z[i]
  end
  local plain <close> = assert(iv.clv_fit("pareto", {x = x, t_x = tx, T = TT}))
  local c0 <close> = assert(iv.clv_fit("pareto", {x = x, t_x = tx, T = TT,
    purchase_covariates = {nil_effect = zero}, dropout_covariates = {nil_effect = zero}}))
  local a, b = plain:params(), c0:params()
  assert(a.r == b.r and a.alpha == b.alpha and a.s == b.s and a.beta == b.beta)
  assert(a.loglik == b.loglik)
  assert(b["gamma_purchase.nil_effect"] == 0 and b["gamma_dropout.nil_effect"] == 0)
  -- alpha exp(-gamma z) = alpha exp(-(-gamma)(-z)): the same fit with the sign flipped
  local p <close> = assert(iv.clv_fit("bgnbd", {x = x, t_x = tx, T = TT,
    purchase_covariates = {third = z}}))
  local m <close> = assert(iv.clv_fit("bgnbd", {x = x, t_x = tx, T = TT,
    purchase_covariates = {third = mz}}))
  local pp, mp = p:params(), m:params()
  near(mp["gamma_purchase.third"], -pp["gamma_purchase.third"], 1e-4)
  near(mp.alpha, pp.alpha, 1e-5)
  near(mp["gamma_purchase.third_se"], pp["gamma_purchase.third_se"], 1e-3)
  assert(pp["gamma_purchase.third_se"] > 0)
  local ok, msg = iv.clv_fit("bgnbd", {x = x, t_x = tx, T = TT, dropout_covariates = {third = z}})
  assert(ok == nil and msg:find("purchase rate only"), msg)
end)

T.test("for_customer: a customer's model is the plain model at alpha exp(-gamma z)", function()
  local x, tx, TT = cdnow()
  local z = {}
  for i = 1, #x do z[i] = (i % 3 == 0) and 1 or 0 end
  local p <close> = assert(iv.clv_fit("bgnbd", {x = x, t_x = tx, T = TT,
    purchase_covariates = {third = z}}))
  local pp = p:params()
  for _, i in ipairs({1, 3, 6}) do
    local one <close> = assert(p:for_customer({purchase = {z[i]}}))
    local ai = pp.alpha * math.exp(-pp["gamma_purchase.third"] * z[i])
    local plain <close> = assert(iv.clv_new("bgnbd", {pp.r, ai, pp.a, pp.b}))
    near(one:params().alpha, ai, 1e-14)
    near(one:conditional(52, x[i], tx[i], TT[i]), plain:conditional(52, x[i], tx[i], TT[i]), 1e-12)
    near(one:p_alive(x[i], tx[i], TT[i]), plain:p_alive(x[i], tx[i], TT[i]), 1e-12)
  end
  local ok, msg, code = p:for_customer({purchase = {1, 2}})
  assert(ok == nil and msg:find("purchase has 1 covariates, 2 given"), msg)
  assert(code == iv.EINVAL or code == -2, code)
  ok, msg = iv.clv_new("bgnbd", {1, 2})
  assert(ok == nil and msg:find("4 parameters, 2 given"), msg)
  ok, msg = p:for_customer()
  assert(ok == nil and msg:find("purchase has 1 covariates, 0 given"), msg)
end)

T.test("array arguments: failures are nil, message, code naming the element", function()
  local x, tx, TT = cdnow()
  local m <close> = assert(iv.clv_fit("bgnbd", {x = x, t_x = tx, T = TT}))
  -- t_x > T = 0 is refused by the library for that element only (IV_ERANGE = -6)
  local r, msg, code = m:p_alive({1, 2, 3}, {1, 1, 2}, {5, 5, 0})
  assert(r == nil and code == -6 and msg:find("^element 3: ") and msg:find("T = 0"), code)
  r, msg, code = m:p_alive({1, 2}, {1, 1, 2}, 5)
  assert(r == nil and code == -2 and msg:find("different lengths"), msg)
  r, msg, code = m:p_alive({1, "x"}, {1, 1}, 5)
  assert(r == nil and code == -2 and msg:find("element 2 of argument 1"), msg)
end)

T.finish()
