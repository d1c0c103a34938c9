-- The plugin's own logic, without a server.
local T = _G.T
local project = require("parsercraft.project")
local report = require("parsercraft.report")
local restart = require("parsercraft.restart")

T.it("restart policy backs off exponentially up to the cap", function()
  local now = 0
  local p = restart.new({ max_restarts = 3, window_ms = 60000, initial_delay_ms = 100, max_delay_ms = 300 }, function()
    return now
  end)
  local delays = {}
  for _ = 1, 3 do
    now = now + 10
    local d = p:on_crash()
    T.eq("restart", d.action)
    table.insert(delays, d.delay_ms)
  end
  T.eq({ 100, 200, 300 }, delays)
end)

T.it("restart policy gives up past max_restarts within the window, and says what to do", function()
  local p = restart.new({ max_restarts = 2, window_ms = 60000 }, function()
    return 0
  end)
  p:on_crash()
  p:on_crash()
  local d = p:on_crash()
  T.eq("give_up", d.action)
  T.contains(d.message, "crashed 3 time(s) in 60 s")
  T.contains(d.message, ":ParserCraftRestart")
end)

T.it("restart policy forgets crashes older than the window, and after reset", function()
  local now = 0
  local p = restart.new({ max_restarts = 1, window_ms = 1000 }, function()
    return now
  end)
  p:on_crash()
  now = 1001
  T.eq("restart", p:on_crash().action)
  p:reset()
  T.eq("restart", p:on_crash().action)
end)

T.it("reads the extensions of the example parsercraft.toml", function()
  local text = table.concat(vim.fn.readfile(T.repo_dir .. "/examples/parsercraft.toml"), "\n")
  T.eq({ ".pas", ".pyl", ".bas", ".lsp", ".calc" }, project.extensions_from_toml(text))
  T.eq({ ".x", ".Y" }, project.extensions_from_toml("extensions = ['x', \".Y\"]\n# extensions = [\".no\"]"))
end)

T.it("matches file names case-insensitively and finds the project root", function()
  T.ok(project.matches("/a/B.PAS", { ".pas" }))
  T.ok(not project.matches("/a/b.pascal", { ".pas" }))
  T.eq(T.repo_dir .. "/examples", project.find_root(T.repo_dir .. "/examples/src/hello.pas", { "parsercraft.toml" }))
  T.eq(nil, project.find_root("/", { "parsercraft.toml" }))
end)

T.it("settings encode empty objects as {} and empty lists as []", function()
  local json = vim.json.encode(project.wire({ chaos = {}, languages = {}, policies = { completion = {} } }))
  local decoded = vim.json.decode(json)
  T.contains(json, '"chaos":{}')
  T.contains(json, '"languages":[]')
  T.contains(json, '"completion":{}')
  T.eq("table", type(decoded.policies))
  T.contains(vim.json.encode({ parsercraft = project.wire({}) }), '{"parsercraft":{}}')
  T.eq({ "unknown setting 'bogus' (known: languages, indentWidth, diagnosticsDelayMs, policies, chaos, workers, maxDocumentMb, auditFile, memoryLimitMb)" },
    project.check_settings({ bogus = 1, workers = 2 }))
end)

T.it("renders the audit log newest first and the health report with reasons", function()
  local lines = report.audit({ events = {
    { seq = 1, ts = 0, kind = "chaos", feature = "hover", errorClass = vim.NIL, errorId = vim.NIL, fault = "hang" },
    { seq = 2, ts = 1, kind = "deadline", feature = "hover", errorClass = "timeout", errorId = "e-1", detail = "a|b" },
  } })
  T.eq("| 2 | 1970-01-01T00:00:01 | deadline | hover | timeout e-1 | detail=a\\|b |", lines[7])
  T.eq("| 1 | 1970-01-01T00:00:00 | chaos | hover |  | fault=hang |", lines[8])
  local health = table.concat(report.health({
    status = "unhealthy",
    reasons = { { feature = "completion", reason = "completion: breaker is open", runbook = "breaker-open" } },
    features = { completion = { breaker = "open", calls = 7, degraded = true } },
  }), "\n")
  T.contains(health, "# parsercraft-ls health: unhealthy")
  T.contains(health, "| completion | completion: breaker is open | `breaker-open` |")
  T.contains(health, "| completion | open | 7 |")
end)

T.it("statusline text for each health and client state", function()
  T.eq("", report.statusline(nil))
  T.eq("ParserCraft: ok", report.statusline({ health = "ok", degraded = {} }))
  T.eq("ParserCraft: degraded (completion, hover)", report.statusline({ health = "warning", degraded = { "completion", "hover" } }))
  T.eq("ParserCraft: unhealthy (completion)", report.statusline({ health = "error", degraded = { "completion" } }))
  T.eq("ParserCraft: restarting", report.statusline({ client = "restarting" }))
end)

T.it("the help file has valid tags for every command and function", function()
  local dir = vim.fn.tempname()
  vim.fn.mkdir(dir .. "/doc", "p")
  vim.fn.writefile(vim.fn.readfile(T.plugin_dir .. "/doc/parsercraft.txt"), dir .. "/doc/parsercraft.txt")
  vim.cmd("helptags " .. vim.fn.fnameescape(dir .. "/doc"))
  local tags = table.concat(vim.fn.readfile(dir .. "/doc/tags"), "\n")
  vim.fn.delete(dir, "rf")
  for _, tag in ipairs({ ":ParserCraftHealth", ":ParserCraftAudit", ":ParserCraftResetBreaker", ":ParserCraftRunbook",
    ":ParserCraftRestart", "parsercraft.setup()", "parsercraft.statusline()", "parsercraft-health" }) do
    T.contains(tags, tag .. "\t", "tag " .. tag)
  end
end)

T.it("the native config names the server, the filetype and the root marker", function()
  local config = dofile(T.plugin_dir .. "/lsp/parsercraft.lua")
  T.eq({ "parsercraft-ls", "serve" }, config.cmd)
  T.eq({ "parsercraft" }, config.filetypes)
  T.eq({ "parsercraft.toml" }, config.root_markers)
  T.contains(vim.json.encode(config.init_options), '{"parsercraft":{}}')
end)
