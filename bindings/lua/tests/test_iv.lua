-- The Lua module against the `iv` tool on the bundled sample: the same numbers for the
-- same command (the tool is a separate program over the same C API), and the module's
-- conventions (nil, msg, code on failure; <close>; undefined -> nil).
package.path = "./?.lua;" .. package.path
local T = require "support"
local iv = require "iv"

local store, info = iv.load(T.sample)
assert(store, info)

T.test("version equals iv --version", function()
  local p = assert(io.popen(T.iv .. " --version"))
  local v = p:read("l"); p:close()
  assert(iv.version() == v, iv.version() .. " vs " .. v)
end)

T.test("load counts every row as iv ingest does", function()
  local want = T.iv_json({"ingest", T.sample})
  assert(info.rows_read == want.rows_read and info.rows_accepted == want.rows_accepted)
  assert(info.rows_rejected == want.rows_rejected and #info.rejects == 0)
  assert(store:contacts() == want.contacts and #store == want.rows_accepted)
  local first, last = store:time_range()
  assert(first == want.first_ts and last == want.last_ts)
end)

local function check_metrics(args, opts, what)
  local want = T.iv_json(args)
  local got = assert(store:metrics(opts))
  T.same_rows(got, want, what)
end

T.test("metrics by channel match iv metrics", function()
  check_metrics({"metrics", T.sample, "--by", "channel"}, {by = {"channel"}}, "by channel")
end)

T.test("metrics of everything match iv metrics", function()
  check_metrics({"metrics", T.sample}, {}, "all")
end)

T.test("metrics with where, time range and buckets match iv metrics", function()
  check_metrics({"metrics", T.sample, "--by", "quarter,stage", "--where",
                 "type in (purchase, repeat) or has churn", "--from", "2023-06-01",
                 "--to", "2024-09-15T12:00:00Z"},
                {by = "quarter,stage", where = "type in (purchase, repeat) or has churn",
                 from = "2023-06-01", to = "2024-09-15T12:00:00Z"}, "where/time")
end)

T.test("metrics by contact attributes and a custom dimension match iv metrics", function()
  check_metrics({"metrics", T.sample, "--by", "community_role,variant"},
                {by = {"community_role", "variant"}}, "attrs")
end)

T.test("contacts_table matches iv contacts", function()
  local want = T.iv_json({"contacts", T.sample, "--where", "region = emea"})
  T.same_rows(assert(store:contacts_table{where = "region = emea"}), want, "contacts")
end)

T.test("drill matches iv metrics --drill (1-based group in Lua)", function()
  local want = T.iv_json({"metrics", T.sample, "--by", "type", "--drill", "3"})
  T.same_rows(assert(store:drill{by = "type", group = 4}), want, "drill")
end)

T.test("period_compare matches iv metrics --prev-from/--prev-to", function()
  local want = T.iv_json({"metrics", T.sample, "--by", "channel", "--from", "2024-01-01",
                          "--prev-from", "2023-01-01", "--prev-to", "2024-01-01"})
  T.same_rows(assert(store:period_compare{by = "channel", from = "2024-01-01",
                                          prev_from = "2023-01-01",
                                          prev_to = "2024-01-01"}), want, "compare")
end)

T.test("format option returns the library's export, as the tool prints it", function()
  local p = assert(io.popen(T.iv .. " metrics '" .. T.sample .. "' --by outcome --format csv"))
  local want = p:read("a"); p:close()
  local got = assert(store:metrics{by = "outcome", format = "csv"})
  assert(got == want, "csv export differs")
end)

T.test("undefined values are nil", function()
  local rows = assert(store:metrics{by = "channel", where = "channel = app"})
  assert(rows[1].n > 0 and rows[1].nps == nil and rows[1].csat == nil)
  local none = assert(store:metrics{where = "channel = nowhere"})
  assert(none[1].n == 0 and none[1].cpt == nil and none[1].iv == nil)
end)

T.test("library failures return nil, message, code", function()
  local r, msg, code = store:metrics{where = "channel = web and ("}
  assert(r == nil and code == -4 and msg:find("position"), msg)
  r, msg, code = store:metrics{by = "chanel"}
  assert(r == nil and code == -7 and msg:find("chanel"), msg)
  r, msg, code = iv.load("/nonexistent/x.csv")
  assert(r == nil and code == -3 and msg:find("/nonexistent/x.csv"), msg)
  r, msg, code = store:metrics{from = "2023-02-29"}
  assert(r == nil and code == -4, msg)
  -- bad data the binding finds itself follows the same convention (IV_EPARSE = -4)
  local s2 <close> = iv.store()
  r, msg, code = s2:append{contact = "a", ts = "2024-01-01", channel = "web", type = "visit",
                           stage = "bogus"}
  assert(r == nil and code == -4 and msg:find("stage") and msg:find("bogus"), msg)
  r, msg, code = s2:append{contact = "a", ts = "2024-01-01", channel = "web", type = "visit",
                           outcome = "meh"}
  assert(r == nil and code == -4 and msg:find("outcome"), msg)
  assert(#s2 == 0)
  assert(iv.strerror(-1) == "out of memory")
end)

T.test("argument type errors raise", function()
  assert(not pcall(store.metrics, store, "by channel"))
  assert(not pcall(iv.load))
  assert(not pcall(store.metrics, {}, {}))
end)

T.test("strict and lenient ingestion", function()
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write("contact,ts,channel,type,cost\na,2024-01-01,web,visit,1\n",
          "b,2024-01-02,web,visit,-3\nc,2024-01-03,web,visit,1\n")
  f:close()
  local s, msg, code = iv.load(path)
  assert(s == nil and code == -4 and msg:find("line 3"), msg)
  local s2, res = iv.load(path, {lenient = true})
  assert(s2 and res.rows_read == 3 and res.rows_accepted == 2 and res.rows_rejected == 1)
  assert(res.rejects[1].line == 3 and res.rejects[1].raw == "b,2024-01-02,web,visit,-3")
  s2:close()
  assert(not pcall(s2.rows, s2), "use after close must raise")
  os.remove(path)
end)

T.test("threads: the sample read on several threads gives the same metrics", function()
  local s3 = assert(iv.load(T.sample, {threads = 3}))
  T.same_rows(assert(s3:metrics({by = {"channel", "type"}})), assert(store:metrics({by = {"channel", "type"}})),
              "threads = 3")
  assert(#s3 == #store and s3:contacts() == store:contacts())
  s3:close()
  assert(not pcall(iv.load, T.sample, {threads = -1}))
end)

T.test("skip: ids and custom dimensions read and checked, not stored", function()
  local path = os.tmpname()
  local f = assert(io.open(path, "wb"))
  f:write("contact,ts,channel,type,id,region,variant\n",
          "a,2024-01-01T00:00:00Z,web,visit,I1,emea,A\n",
          "b,2024-01-02T00:00:00Z,web,visit,I2,amer,", string.rep("x", 50), "\n",
          "c,2024-01-03T00:00:00Z,app,visit,I3,emea,B\n")
  f:close()
  local full, r1 = assert(iv.load(path, {lenient = true, max_string = 40}))
  local part, r2 = assert(iv.load(path, {lenient = true, max_string = 40, skip = {"id", "dims"},
                                         keep_dims = "region"}))
  -- the too-long variant rejects line 3 whether it is stored or not
  assert(r1.rows_accepted == 2 and r1.rows_rejected == 1 and r1.rejects[1].line == 3)
  assert(r2.rows_accepted == 2 and r2.rows_rejected == 1 and r2.rejects[1].line == 3)
  assert(#full:dims() == 2 and #part:dims() == 1 and part:dims()[1] == "region")
  assert(full:row(2).id == "I3" and part:row(2).id == nil)
  assert(not pcall(iv.load, path, {skip = "ids"}))
  full:close()
  part:close()
  os.remove(path)
end)

T.test("<close> and __gc free the store", function()
  do
    local s <close> = assert(iv.load(T.sample))
    assert(s:rows() == 36085)
  end
  for _ = 1, 3 do iv.store() end
  collectgarbage()
  collectgarbage()
end)

T.test("a saved store loads back with the same numbers; a damaged one is an error", function()
  local path = os.tmpname()
  assert(store:save(path))
  local s <close> = assert(iv.load(path))
  assert(s:rows() == store:rows() and s:contacts() == store:contacts())
  T.same_rows(assert(s:metrics{by = "team"}), assert(store:metrics{by = "team"}), "snapshot")
  local f = assert(io.open(path, "r+b"))
  f:seek("set", 100)
  local b = f:read(1)
  f:seek("set", 100)
  f:write(string.char(b:byte() ~ 0xFF))
  f:close()
  local bad, msg, code = iv.load(path)
  assert(bad == nil and code == -8, msg)
  os.remove(path)
end)

-- issue #14 item 3: Lua code running inside a store method (here the __index of its
-- options table) closes the store: the call finishes on the intact store and the store
-- is freed when it returns (before the fix it was freed under the running query).
T.test("close() from inside a call on the store waits for the call", function()
  local s = assert(iv.load(T.sample))
  local want = assert(s:metrics{by = "channel"})
  local closes = 0
  local opts = setmetatable({by = "channel"}, {__index = function()
    closes = closes + 1
    s:close()
    collectgarbage()
    -- churn the allocator so that freed store memory would be reused
    local junk = {}
    for i = 1, 2000 do junk[i] = string.rep("x", 64) .. i end
    return nil
  end})
  local got = assert(s:metrics(opts))
  assert(closes > 0)
  assert(#got == #want)
  for i = 1, #want do
    assert(got[i].channel == want[i].channel and got[i].n == want[i].n, "row " .. i)
  end
  local ok, err = pcall(function() return s:rows() end)
  assert(not ok and tostring(err):find("after close"), tostring(err))
  ok, err = pcall(function() return s:metrics(opts) end)
  assert(not ok and tostring(err):find("after close"), tostring(err))
end)

store:close()
T.finish()
