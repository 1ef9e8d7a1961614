-- Shared helpers of the Lua binding tests: a tiny JSON reader (enough for the `iv`
-- tool's output: arrays, objects, strings, numbers, true/false/null), running the tool,
-- and assertions. null is kept as the sentinel `support.null` so missing keys show.
local M = {}
M.null = setmetatable({}, {__tostring = function() return "null" end})

local function decode(s)
  local pos = 1
  local function ws() pos = s:find("[^ \t\r\n]", pos) or #s + 1 end
  local value
  local function str()
    local out, i = {}, pos + 1
    while true do
      local c = s:sub(i, i)
      if c == '"' then pos = i + 1; return table.concat(out) end
      if c == "\\" then
        local e = s:sub(i + 1, i + 1)
        local map = {n = "\n", t = "\t", r = "\r", b = "\b", f = "\f"}
        if e == "u" then
          out[#out + 1] = utf8.char(tonumber(s:sub(i + 2, i + 5), 16)); i = i + 6
        else
          out[#out + 1] = map[e] or e; i = i + 2
        end
      else
        out[#out + 1] = c; i = i + 1
      end
    end
  end
  function value()
    ws()
    local c = s:sub(pos, pos)
    if c == "{" then
      local t = {}; pos = pos + 1; ws()
      if s:sub(pos, pos) == "}" then pos = pos + 1; return t end
      while true do
        ws(); local k = str(); ws(); pos = pos + 1 -- ':'
        t[k] = value(); ws()
        local d = s:sub(pos, pos); pos = pos + 1
        if d == "}" then return t end
      end
    elseif c == "[" then
      local t = {}; pos = pos + 1; ws()
      if s:sub(pos, pos) == "]" then pos = pos + 1; return t end
      while true do
        t[#t + 1] = value(); ws()
        local d = s:sub(pos, pos); pos = pos + 1
        if d == "]" then return t end
      end
    elseif c == '"' then return str()
    elseif s:sub(pos, pos + 3) == "true" then pos = pos + 4; return true
    elseif s:sub(pos, pos + 4) == "false" then pos = pos + 5; return false
    elseif s:sub(pos, pos + 3) == "null" then pos = pos + 4; return M.null
    else
      local num = s:match("^-?%d+%.?%d*[eE]?[-+]?%d*", pos)
      pos = pos + #num
      return tonumber(num)
    end
  end
  return value()
end
M.decode = decode

M.root = os.getenv("IV_SOURCE_ROOT") or "../../.."
M.sample = M.root .. "/examples/data/sample.csv"
M.data = os.getenv("IV_TEST_DATA") or (M.root .. "/tests/data")
M.iv = os.getenv("IV_EXE") or "iv"

-- The parsed JSON output of `iv ARGS --format json`.
function M.iv_json(args)
  local cmd = M.iv
  for _, a in ipairs(args) do cmd = cmd .. " '" .. a .. "'" end
  local p = assert(io.popen(cmd .. " --format json"))
  local out = p:read("a")
  assert(p:close(), "iv failed: " .. cmd)
  return decode(out)
end

function M.close(a, b, rel)
  rel = rel or 1e-12
  return a == b or math.abs(a - b) <= rel * math.max(math.abs(a), math.abs(b), 1e-300)
end

-- Rows equal key by key: numbers to rel, null == nil, lists element by element.
function M.same_rows(got, want, what)
  assert(#got == #want, what .. ": " .. #got .. " rows, want " .. #want)
  for i, w in ipairs(want) do
    local g = got[i]
    for k, wv in pairs(w) do
      local gv = g[k]
      if wv == M.null then
        assert(gv == nil, ("%s row %d %s: %s, want nil"):format(what, i, k, tostring(gv)))
      elseif type(wv) == "number" then
        assert(type(gv) == "number" and M.close(gv, wv),
               ("%s row %d %s: %s, want %s"):format(what, i, k, tostring(gv), tostring(wv)))
      elseif type(wv) == "table" then
        assert(#gv == #wv, what .. " list " .. k)
        for j = 1, #wv do assert(gv[j] == wv[j], what .. " list " .. k) end
      else
        assert(gv == wv, ("%s row %d %s: %s, want %s"):format(what, i, k, tostring(gv),
                                                               tostring(wv)))
      end
    end
    for k in pairs(g) do
      assert(w[k] ~= nil, ("%s row %d: extra key %s"):format(what, i, k))
    end
  end
end

local passed, failed = 0, 0
function M.test(name, fn)
  local ok, err = pcall(fn)
  if ok then
    passed = passed + 1
    print("ok     " .. name)
  else
    failed = failed + 1
    print("FAILED " .. name .. ": " .. tostring(err))
  end
end

function M.finish()
  print(("%d passed, %d failed"):format(passed, failed))
  os.exit(failed == 0 and 0 or 1)
end

return M
