-- Partials through the Lua module: the hand-made logs of tests/data/product split into
-- parts by iv.partition_of, one store:partial per part sent as bytes, merged: the result
-- rows equal store:COMMAND on the whole log (doc/SUMMARIES.md section 10).
package.path = "./?.lua;" .. package.path
local T = require "support"
local iv = require "iv"

-- The log at path split into k part files by partition_of(contact, k) (plain CSV,
-- contact in the first column).
local function parts(path, k)
  local f = assert(io.open(path, "rb"))
  local header = f:read("l")
  local out = {}
  for i = 1, k do out[i] = {header} end
  for line in f:lines() do
    local contact = line:match("^([^,]*)")
    local p = iv.partition_of(contact, k) + 1
    out[p][#out[p] + 1] = line
  end
  f:close()
  local stores = {}
  for i = 1, k do
    local name = os.tmpname()
    local w = assert(io.open(name, "wb"))
    w:write(table.concat(out[i], "\n"), "\n")
    w:close()
    stores[i] = assert(iv.load(name))
    os.remove(name)
  end
  return stores
end

local cases = {
  {"funnel", "product/funnel.csv", {steps = "signup,demo,purchase", window = "14d"}},
  {"funnel", "product/funnel.csv", {steps = "signup,demo,purchase", exclude = "refund@2-3"}},
  {"churn", "product/lifecycle.csv", {window = "7d", every = "week"}},
  {"retention", "product/lifecycle.csv", {t0 = "2024-01-01", t1 = "2024-01-29", window = "7d"}},
  {"cohorts", "product/lifecycle.csv", {period = "week"}},
  {"lifecycle", "product/lifecycle.csv", {period = "week"}},
  {"stickiness", "product/lifecycle.csv", {period = "week"}},
}

T.test("merged partials equal the whole-log tables", function()
  for _, c in ipairs(cases) do
    local command, file, opts = c[1], c[2], c[3]
    local whole = assert(iv.load(T.data .. "/" .. file))
    local want = assert(whole[command](whole, opts))
    for _, k in ipairs{1, 2, 3} do
      local acc
      for _, s in ipairs(parts(T.data .. "/" .. file, k)) do
        local p = assert(iv.partial_from_bytes(assert(s:partial(command, opts)):to_bytes()))
        if acc then assert(acc:merge(p)) else acc = p end
      end
      T.same_rows(assert(acc:result()), want, command .. " k=" .. k)
    end
  end
end)

T.test("merged funnel partials give the whole log's histogram", function()
  local file = T.data .. "/product/funnel.csv"
  local opts = {steps = "signup,demo,purchase", window = "14d"}
  local whole = assert(iv.load(file))
  local want = assert(whole:funnel_histogram(opts))
  for _, k in ipairs{1, 2, 3} do
    local acc
    for _, s in ipairs(parts(file, k)) do
      local p = assert(iv.partial_from_bytes(assert(s:partial("funnel", opts)):to_bytes()))
      if acc then assert(acc:merge(p)) else acc = p end
    end
    T.same_rows(assert(acc:histogram()), want, "histogram k=" .. k)
  end
end)

T.test("merged CLV partials fit as the whole sample", function()
  local whole = assert(iv.load(T.sample))
  local rows = assert(whole:rfm{})
  local x, tx, TT = {}, {}, {}
  for i, r in ipairs(rows) do x[i], tx[i], TT[i] = r.x, r.t_x, r.T end
  local want = assert(iv.clv_fit("bgnbd", {x = x, t_x = tx, T = TT, penalizer = 0.01})):params()
  for _, k in ipairs{1, 2, 3} do
    local acc
    for _, s in ipairs(parts(T.sample, k)) do
      local p = assert(iv.partial_from_bytes(assert(s:partial("clv", {model = "bgnbd"})):to_bytes()))
      if acc then assert(acc:merge(p)) else acc = p end
    end
    local n = 0
    for _, r in ipairs(assert(acc:result())) do n = n + r.count end
    assert(n == #rows, "clv k=" .. k .. ": " .. n .. " customers, want " .. #rows)
    local got = assert(acc:clv_fit{penalizer = 0.01}):params()
    for name, v in pairs(want) do
      assert(got[name] == v, "clv k=" .. k .. ": " .. name .. " " .. tostring(got[name]) .. " ~= " .. tostring(v))
    end
  end
end)

T.test("merged compare partials equal store:compare", function()
  local whole = assert(iv.load(T.sample))
  local opts = {metric = "rv", a = "team = east", b = "team = north", confidence = 0.9}
  local want = assert(whole:compare(opts))
  for _, k in ipairs{1, 2, 3} do
    local acc
    for _, s in ipairs(parts(T.sample, k)) do
      local p = assert(iv.partial_from_bytes(assert(s:partial("compare", opts)):to_bytes()))
      if acc then assert(acc:merge(p)) else acc = p end
    end
    local got, w, n = assert(acc:result()), want[1] or want, 0
    got = got[1] or got
    for key, v in pairs(w) do -- every cell, exactly (NaN only where the store's is NaN)
      n = n + 1
      assert(got[key] == v or (v ~= v and got[key] ~= got[key]),
             "compare k=" .. k .. ": " .. key .. " " .. tostring(got[key]) .. " ~= " .. tostring(v))
    end
    assert(n >= 15, "compare: " .. n .. " cells")
  end
end)

T.test("merged norm partials equal store:norm (alpha 0 exact; sketch: contacts exact)", function()
  local whole = assert(iv.load(T.sample))
  for _, opts in ipairs{{align = "index", buckets = 8},
                        {to = "2024-07-01T00:00:00Z", bucket = "30d", buckets = 5, where = "team = east"}} do
    local want = assert(whole:norm(opts))
    for _, k in ipairs{1, 2, 3} do
      local exact, sketch
      for _, s in ipairs(parts(T.sample, k)) do
        opts.alpha = 0
        local p = assert(iv.partial_from_bytes(assert(s:partial("norm", opts)):to_bytes()))
        opts.alpha = 0.01
        local q = assert(s:partial("norm", opts))
        opts.alpha = nil
        if exact then assert(exact:merge(p)); assert(sketch:merge(q)) else exact, sketch = p, q end
      end
      local got, sk = assert(exact:result()), assert(sketch:result())
      assert(#got == #want and #sk == #want, "norm k=" .. k .. ": rows")
      for r = 1, #want do
        for key, v in pairs(want[r]) do
          assert(got[r][key] == v or (v ~= v and got[r][key] ~= got[r][key]),
                 "norm k=" .. k .. " bucket " .. r .. ": " .. key .. " " .. tostring(got[r][key]) .. " ~= " .. tostring(v))
        end
        assert(sk[r].contacts == want[r].contacts, "norm sketch contacts")
        local m, w = sk[r].median, want[r].median
        assert((m ~= m and w ~= w) or math.abs(m - w) <= 0.01 * math.abs(w) + 1e-9, "norm sketch median")
      end
    end
  end
  local ok, err = whole:partial("norm", {})
  assert(not ok and tostring(err):find("t_ref"), "norm without t_ref: " .. tostring(err))
end)

T.test("bad bytes and mixed kinds are refused", function()
  local s = assert(iv.load(T.data .. "/product/lifecycle.csv"))
  local b = assert(s:partial("churn", {})):to_bytes()
  local p, err = iv.partial_from_bytes(b:sub(1, #b - 1))
  assert(p == nil and tostring(err):find("partial bytes", 1, true))
  local ok, err2 = assert(s:partial("churn", {})):merge(assert(s:partial("stickiness", {})))
  assert(ok == nil and tostring(err2):find("different analyses", 1, true))
end)

T.finish()
