-- A tiny self-contained test runner for headless Neovim (0.7.2 and later): no plugin manager,
-- no network. Run from the repository root:
--   nvim --headless -u NONE -i NONE --cmd "set rtp+=editors/nvim" -c "luafile editors/nvim/spec/run.lua"
-- It runs spec/unit_spec.lua, then spec/server_spec.lua (the real server: $PARSERCRAFT_LS,
-- default .venv/bin/parsercraft-ls), prints one line per test and a last line
-- "N passed, M failed", and exits non-zero if any test failed.
local here = debug.getinfo(1, "S").source:sub(2)
local spec_dir = vim.fn.fnamemodify(here, ":p:h")

local T = { tests = {}, spec_dir = spec_dir }
T.plugin_dir = vim.fn.fnamemodify(spec_dir, ":h")
T.repo_dir = vim.fn.fnamemodify(T.plugin_dir, ":h:h")

---Register a test; tests run in the order they are registered.
function T.it(name, fn)
  table.insert(T.tests, { name = name, fn = fn })
end

---Fail unless `a == b`.
function T.eq(expected, actual, what)
  if not vim.deep_equal(expected, actual) then
    error(("%sexpected %s, got %s"):format(what and (what .. ": ") or "", vim.inspect(expected), vim.inspect(actual)), 2)
  end
end

---Fail unless `value` is truthy.
function T.ok(value, what)
  if not value then
    error(what or "expected a true value", 2)
  end
  return value
end

---Fail unless `text` contains `needle` (plain).
function T.contains(text, needle, what)
  if type(text) ~= "string" or not text:find(needle, 1, true) then
    error(("%sexpected %s to contain %s"):format(what and (what .. ": ") or "", vim.inspect(text), vim.inspect(needle)), 2)
  end
end

---Wait (processing events) until `cond()` returns a truthy value; fail after `timeout_ms`.
function T.wait(what, cond, timeout_ms)
  local result
  local ok = vim.wait(timeout_ms or 15000, function()
    result = cond()
    return result ~= nil and result ~= false
  end, 20)
  if not ok then
    error("timed out waiting for " .. what, 2)
  end
  return result
end

---Everything passed to vim.notify (not shown, so the output stays one line per test; a failing
---test prints the messages it caused).
T.messages = {}
vim.notify = function(msg, level)
  table.insert(T.messages, { msg = tostring(msg), level = level })
end

_G.T = T
local files = { "unit_spec.lua", "server_spec.lua" }
for _, file in ipairs(files) do
  local chunk, err = loadfile(spec_dir .. "/" .. file)
  if chunk == nil then
    T.it("load " .. file, function()
      error(err)
    end)
  else
    local ok, load_err = pcall(chunk)
    if not ok then
      T.it("load " .. file, function()
        error(load_err)
      end)
    end
  end
end

local passed, failed = 0, 0
for _, test in ipairs(T.tests) do
  local started = vim.loop.hrtime()
  local first_message = #T.messages + 1
  local ok, err = xpcall(test.fn, debug.traceback)
  local ms = (vim.loop.hrtime() - started) / 1e6
  if ok then
    passed = passed + 1
    io.stdout:write(("ok      %s (%d ms)\n"):format(test.name, ms))
  else
    failed = failed + 1
    io.stdout:write(("FAILED  %s (%d ms)\n%s\n"):format(test.name, ms, tostring(err)))
    for i = first_message, #T.messages do
      io.stdout:write(("  notify[%s]: %s\n"):format(tostring(T.messages[i].level), T.messages[i].msg))
    end
  end
end
if T.teardown then
  pcall(T.teardown)
end
io.stdout:write(("\n%d passed, %d failed\n"):format(passed, failed))
io.stdout:flush()
if failed > 0 then
  vim.cmd("cquit 1")
else
  vim.cmd("qall!")
end
