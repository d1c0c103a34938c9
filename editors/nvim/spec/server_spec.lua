-- The plugin against the real server, in a copy of examples/ (nothing in the repository is
-- edited). Tests depend on each other's order: attach, diagnose, complete, format, commands,
-- chaos, crash and restart.
local T = _G.T
local compat = require("parsercraft.compat")
local parsercraft = require("parsercraft")

local server = os.getenv("PARSERCRAFT_LS")
if server == nil or server == "" then
  server = T.repo_dir .. "/.venv/bin/parsercraft-ls"
end
local workspace = vim.fn.tempname()
local expected_dir = vim.fn.tempname()

local messages = T.messages

---@return table|nil the initialized parsercraft client of the current buffer
local function client()
  local c = compat.buf_clients(vim.api.nvim_get_current_buf(), "parsercraft")[1]
  if c ~= nil and c.initialized ~= false and not (c.is_stopped and (compat.has("0.11") and c:is_stopped() or not compat.has("0.11") and c.is_stopped())) then
    return c
  end
  return nil
end

---The process id of the running server: the 0.7 rpc object has it; later ones do not, so
---look for our own child process running `parsercraft-ls serve`.
local function server_pid(c)
  if c.rpc and type(c.rpc.pid) == "number" then
    return c.rpc.pid
  end
  local me = tostring(vim.fn.getpid())
  for _, dir in ipairs(vim.fn.glob("/proc/[0-9]*", false, true)) do
    local stat = (vim.fn.readfile(dir .. "/stat", "", 1)[1] or "")
    local fields = vim.split(stat:match("%) (.*)$") or "", " ", { plain = true })
    if fields[1] ~= "Z" and fields[2] == me then
      local cmdline = table.concat(vim.fn.readfile(dir .. "/cmdline", "b"), "")
      if cmdline:find("parsercraft%-ls") or cmdline:find("serve") then
        return tonumber(dir:match("%d+$"))
      end
    end
  end
  return nil
end

local function completion_labels(bufnr, line, character)
  local c = T.ok(client(), "a running client")
  local response = compat.request_sync(c, "textDocument/completion", {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = line, character = character },
  }, 5000, bufnr)
  T.ok(response and response.result, "a completion result: " .. vim.inspect(response))
  local result = response.result
  local labels = {}
  for _, item in ipairs(result.items or result) do
    labels[item.label] = true
  end
  return labels, result
end

---Lines of the scratch buffer `parsercraft://name`, once it has content.
local function view(name)
  return T.wait("the " .. name .. " view", function()
    for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_get_name(bufnr):sub(-#("parsercraft://" .. name)) == "parsercraft://" .. name then
        local lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
        if #lines > 1 then
          return table.concat(lines, "\n")
        end
      end
    end
    return nil
  end)
end

local function edit(relative)
  vim.cmd("edit " .. vim.fn.fnameescape(workspace .. "/" .. relative))
  return vim.api.nvim_get_current_buf()
end

T.teardown = function()
  for _, c in ipairs(compat.clients("parsercraft")) do
    vim.lsp.stop_client(c.id)
  end
  vim.wait(3000, function()
    return #compat.clients("parsercraft") == 0
  end, 50)
  vim.fn.delete(workspace, "rf")
  vim.fn.delete(expected_dir, "rf")
end

T.it("the server executable exists", function()
  T.ok(vim.fn.executable(server) == 1, server .. " is not executable (set PARSERCRAFT_LS or run make venv)")
  vim.fn.system({ "cp", "-r", T.repo_dir .. "/examples", workspace })
  vim.fn.system({ "cp", "-r", T.repo_dir .. "/examples", expected_dir })
  T.eq(0, vim.v.shell_error, "copying examples/")
end)

T.it("setup() attaches a client to a mapped file of the project", function()
  parsercraft.setup({
    cmd = { server, "serve" },
    restart = { max_restarts = 3, window_ms = 60000, initial_delay_ms = 100, max_delay_ms = 400 },
  })
  local bufnr = edit("src/broken.pas")
  local c = T.wait("the client to attach and initialize", client)
  T.eq("parsercraft", c.name)
  T.eq(workspace, c.config.root_dir)
  T.wait("the parsercraft filetype for an unknown extension", function()
    return vim.bo[bufnr].filetype == "parsercraft"
  end)
  T.wait("the first status", function()
    return parsercraft.statusline() == "ParserCraft: ok"
  end)
end)

T.it("diagnostics arrive for a file with errors", function()
  local bufnr = vim.api.nvim_get_current_buf()
  local diagnostics = T.wait("diagnostics", function()
    local d = vim.diagnostic.get(bufnr)
    return #d > 0 and d or nil
  end)
  local found = false
  for _, d in ipairs(diagnostics) do
    found = found or d.message == "undefined name 'missing'"
  end
  T.ok(found, "undefined name 'missing' in " .. vim.inspect(vim.tbl_map(function(d)
    return d.message
  end, diagnostics)))
end)

T.it("a file without a mapped extension gets no client", function()
  local bufnr = edit("parsercraft.toml")
  vim.wait(200)
  T.eq(0, #compat.buf_clients(bufnr, "parsercraft"))
end)

T.it("with filetype detection on, a known filetype is kept and the project's one client attaches", function()
  vim.cmd("filetype on")
  local bufnr = edit("src/lists.lsp")
  T.wait("the client", client)
  T.eq("lisp", vim.bo[bufnr].filetype)
  T.eq(1, #compat.clients("parsercraft"), "one client for the project")
  T.eq(1, #compat.buf_clients(bufnr, "parsercraft"), "attached once")
  vim.cmd("filetype off")
end)

T.it("completion returns the language's keywords", function()
  local bufnr = edit("src/hello.pas")
  T.wait("the client", client)
  -- line 15 is "  WriteLn('What is your name?');": complete at its start
  local labels = completion_labels(bufnr, 14, 2)
  T.ok(labels["BEGIN"] and labels["WriteLn"], "BEGIN and WriteLn in " .. vim.inspect(vim.tbl_keys(labels)))
end)

T.it("formatting changes the buffer as `parsercraft-ls format` would", function()
  local bufnr = edit("src/untidy.pyl")
  T.wait("the client", client)
  local before = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  vim.fn.system({ server, "format", expected_dir .. "/src/untidy.pyl" })
  local expected = vim.fn.readfile(expected_dir .. "/src/untidy.pyl")
  T.ok(not vim.deep_equal(before, expected), "the example is untidy to begin with")
  compat.format(bufnr, "parsercraft", 5000)
  T.eq(expected, vim.api.nvim_buf_get_lines(bufnr, 0, -1, false))
  T.contains(table.concat(expected, "\n"), 'message = "Hello, " + name')
  vim.cmd("silent! edit!")
end)

T.it(":ParserCraftHealth shows the report", function()
  edit("src/hello.pas")
  vim.cmd("ParserCraftHealth")
  local text = view("health")
  T.contains(text, "# parsercraft-ls health: healthy")
  T.contains(text, "| completion | closed |")
  vim.cmd("close")
end)

T.it(":ParserCraftAudit and :ParserCraftRunbook show their views", function()
  vim.cmd("ParserCraftAudit")
  T.contains(view("audit"), "# parsercraft-ls audit log")
  vim.cmd("close")
  vim.cmd("ParserCraftRunbook breaker-open")
  T.contains(view("runbook/breaker-open"), "reaker")
  vim.cmd("close")
end)

T.it(":checkhealth parsercraft finds the executable, its version and the running server", function()
  vim.cmd("checkhealth parsercraft")
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
  T.contains(text, "OK")
  T.contains(text, "version: parsercraft-ls")
  T.contains(text, "maps .pas .pyl .bas .lsp .calc")
  T.contains(text, ": healthy, version")
  T.ok(not text:find("ERROR"), text)
  vim.cmd("bwipeout!")
end)

T.it("the statusline shows a degraded status after chaos is switched on", function()
  local bufnr = edit("src/hello.pas")
  parsercraft.configure({ chaos = { completion = { failureRate = 1.0 } } })
  T.wait("a degraded completion", function()
    local _, result = completion_labels(bufnr, 14, 2)
    return result.isIncomplete == true
  end)
  T.wait("the statusline to name completion", function()
    return parsercraft.statusline():find("completion", 1, true) ~= nil
  end)
  T.contains(parsercraft.statusline(), "ParserCraft: degraded (completion)")
end)

T.it(":ParserCraftResetBreaker clears the degraded status once chaos is off", function()
  parsercraft.configure({})
  vim.cmd("ParserCraftResetBreaker completion")
  T.wait("the statusline to be ok again", function()
    return parsercraft.statusline() == "ParserCraft: ok"
  end)
end)

T.it("killing the server leads to an automatic restart and working completion", function()
  local bufnr = edit("src/hello.pas")
  local old = T.ok(client(), "a running client")
  local pid = T.ok(server_pid(old), "the server's pid")
  compat.uv.kill(pid, 9)
  T.wait("the restart notice", function()
    return parsercraft.statusline() == "ParserCraft: restarting" or (client() and client().id ~= old.id)
  end)
  local new = T.wait("a new client", function()
    local c = client()
    return c ~= nil and c.id ~= old.id and c or nil
  end)
  T.ok(new.id ~= old.id)
  T.wait("diagnostics-free hello.pas to stay attached", function()
    return #compat.buf_clients(bufnr, "parsercraft") == 1
  end)
  local labels = completion_labels(bufnr, 14, 2)
  T.ok(labels["BEGIN"], "completion works again")
  T.wait("the status after restart", function()
    return parsercraft.statusline() == "ParserCraft: ok"
  end)
  local warned = false
  for _, m in ipairs(messages) do
    warned = warned or (m.msg:find("restarting in", 1, true) ~= nil)
  end
  T.ok(warned, "the user was told about the restart")
end)

T.it("past the restart budget it gives up, says so, and :ParserCraftRestart starts it again", function()
  parsercraft.setup({
    cmd = { server, "serve" },
    restart = { max_restarts = 0, window_ms = 60000, initial_delay_ms = 100 },
  })
  local bufnr = edit("src/hello.pas")
  local old = T.wait("the client", client)
  compat.uv.kill(T.ok(server_pid(old)), 9)
  T.wait("the plugin to give up", function()
    return parsercraft.statusline() == "ParserCraft: stopped (crashed too often)"
  end)
  local told = false
  for _, m in ipairs(messages) do
    told = told or (m.msg:find("will not be restarted", 1, true) ~= nil and m.msg:find(":ParserCraftRestart", 1, true) ~= nil)
  end
  T.ok(told, "the user was told what to do")
  vim.wait(300)
  T.eq(nil, client(), "no client was started")
  vim.cmd("ParserCraftRestart")
  T.wait("a client after :ParserCraftRestart", client)
  T.ok(completion_labels(bufnr, 14, 2)["BEGIN"], "completion works again")
end)

T.it(":ParserCraftRestart replaces a running server", function()
  local old = T.wait("the client", client)
  vim.cmd("ParserCraftRestart")
  local new = T.wait("a new client", function()
    local c = client()
    return c ~= nil and c.id ~= old.id and c or nil
  end)
  T.ok(new.id ~= old.id)
  T.wait("the status", function()
    return parsercraft.statusline() == "ParserCraft: ok"
  end)
end)
