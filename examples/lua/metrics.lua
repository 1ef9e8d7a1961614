-- libiv from Lua: load a log, group metrics, compare two teams, assess maturity.
--   LUA_CPATH='build/bindings/?.so' lua5.4 examples/lua/metrics.lua [examples/data/sample.csv]
local iv = require "iv"

local dir = (arg[0]:match("^(.*)/") or ".")
local path = arg[1] or (dir .. "/../data/sample.csv")

print("libiv " .. iv.version())
local store <close>, info = assert(iv.load(path))
print(("%d rows read, %d accepted, %d rejected, %d contacts"):format(
  info.rows_read, info.rows_accepted, info.rows_rejected, store:contacts()))

-- Failures come back as nil, message, code.
local rows, msg = store:metrics{by = {"channel"}, where = "channel = web and ("}
print("bad selection -> " .. tostring(rows) .. ": " .. msg)

for _, r in ipairs(assert(store:metrics{by = {"channel"}, from = "2024-01-01"})) do
  print(("  %-13s n=%6d  iv=%6.3f  nps=%s"):format(r.channel, r.n, r.iv or 0 / 0,
                                                  r.nps and ("%.1f"):format(r.nps) or "-"))
end

local c = assert(store:compare{metric = "rv", a = "team = east", b = "team = west"})
print(("RV per contact east vs west: diff %.1f, Welch p %.3f"):format(c.diff, c.welch_p))

for _, a in ipairs(assert(store:maturity{})) do
  print(("  %-11s %s"):format(a.area, a.score and ("%.2f"):format(a.score) or "-"))
end
