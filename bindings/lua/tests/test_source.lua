-- Source options through iv.load(path, opts) and store:ingest(path, opts) (doc/SOURCES.md,
-- "Options"): the same names as in C, the CLI and Python. Expected instants from GNU
-- date (quoted beside them), other values by hand from the inputs.
package.path = "./?.lua;" .. package.path
local T = require "support"
local iv = require "iv"

local dir = os.tmpname()
os.remove(dir)
local written = {}
local function write(name, text)
  local path = dir .. "-" .. name
  written[#written + 1] = path
  local f = assert(io.open(path, "wb")); f:write(text); f:close()
  return path
end

T.test("profile = a shipped profile, options beside it override it", function()
  local sep = package.config:sub(1, 1)
  local root = T.root
  local p = root .. "/examples/data/sources/salesforce_tasks.csv"
  -- IV_PROFILE_PATH is read at load time; the meson test environment does not set it,
  -- so name the profile file itself
  local s = assert(iv.load(p, {profile = root .. "/data/profiles/salesforce.ini"}))
  local r = s:metrics{}
  assert(r[1].rv == 141, r[1].rv) -- by hand: 40 + 1 + 60 + 40
  s:close()
  -- TZ=America/New_York date -d '2024-03-15 14:22' -u +%FT%TZ = 2024-03-15T18:22:00Z
  s = assert(iv.load(p, {profile = root .. "/data/profiles/salesforce.ini", timezone = "America/New_York"}))
  assert(s:row(1).ts == "2024-03-15T18:22:00Z", s:row(1).ts)
  s:close()
  local ok, msg = pcall(iv.load, p, {profile = "no_such_system"})
  assert(not ok and tostring(msg):find("no source profile", 1, true), msg)
  local _ = sep
end)

T.test("iv.warnings(): values that never occur are named", function()
  local p = write("warn.csv", "contact,ts,channel,type\nc1,2024-01-01,web,visit\n" ..
    "c1,2024-01-02,phone,purchase\n")
  local s = assert(iv.load(p))
  assert(#iv.warnings() == 0)
  local r = assert(s:metrics{where = "channel = webb"})
  assert(r[1].n == 0, r[1].n)
  assert(s:funnel{steps = "visit,demo"})
  local w = iv.warnings()
  assert(#w == 2, #w)
  assert(w[1] == "selection: no row has channel 'webb'", w[1])
  assert(w[2] == "funnel step 2 ('demo') never occurs in the store", w[2])
  assert(#iv.warnings() == 0) -- cleared
  assert(s:funnel{steps = "VISIT,purchase"})
  assert(#iv.warnings() == 0)
  s:close()
end)

T.test("every source option by its C name", function()
  local p = write("hub.csv", "Contact ID;Activity date;Activity type;Outcome;Amount;Id\n" ..
    "c1;03/15/2024 2:22 PM;Call;Completed;\"1.250,50\";1\n" ..
    "c2;03/16/2024 11:05 AM;EMAIL; no answer ;7;2\n" ..
    "c2;03/16/2024 11:05 AM;EMAIL; no answer ;7;2\n")
  local s, info = iv.load(p, {
    delimiter = "auto", encoding = "utf-8", time_format = {"%d.%m.%Y", "%m/%d/%Y %I:%M %p"},
    timezone = "America/New_York", decimal = ",", thousands = ".", epoch_unit = "s",
    map = {["Contact ID"] = "contact", ["Activity date"] = "ts", ["Activity type"] = {"type", "kind"},
           Amount = "value", Id = "id"},
    set = {channel = "phone"},
    values = {outcome = {Completed = "desired", ["No answer"] = "undesired"}},
    dedup = "id"})
  assert(s, info)
  assert(info.rows_read == 3 and info.rows_accepted == 2 and info.rows_duplicate == 1)
  local r = s:row(1)
  -- TZ=America/New_York date -d '2024-03-15 14:22' +%s = 1710526920 = 2024-03-15T18:22:00Z
  assert(r.ts == "2024-03-15T18:22:00Z", r.ts)
  assert(r.type == "call" and r.kind == "Call" and r.channel == "phone", r.type)
  assert(r.outcome == "desired" and s:row(2).outcome == "undesired")
  assert(r.value == 1250.5, r.value)
  s:close()
end)

T.test("string forms and dotted JSON paths", function()
  local p = write("seg.jsonl",
    '{"userId":"u1","timestamp":"1710512520","event":"Order","properties":{"revenue":"12,5"},' ..
    '"context":{"ip":"1.2.3.4"}}\n')
  local s, info = iv.load(p, {map = "userId=contact,timestamp=ts,event=type,properties.revenue=value",
                              set = "channel=web", decimal = ",", values = {"type:order=purchase"}})
  assert(s, info)
  local r = s:row(1)
  assert(r.ts == "2024-03-15T14:22:00Z" and r.type == "purchase" and r.value == 12.5, r.ts)
  assert(#s:dims() == 0)
  s:close()
end)

T.test("unknown names and bad values are errors naming them", function()
  local p = write("a.csv", "contact,ts,channel,type\na,2024-03-01,web,visit\n")
  local ok, err = pcall(iv.load, p, {delimitr = ";"})
  assert(not ok and err:find("unknown option 'delimitr'"), err)
  ok, err = pcall(iv.load, p, {timezone = "Mars/Olympus"})
  assert(not ok and err:find("Mars/Olympus"), err)
  local s, msg = iv.load(p, {map = "Kanal=channel"})
  assert(s == nil and msg:find("Kanal"), msg)
end)

for _, p in ipairs(written) do os.remove(p) end
T.finish()
