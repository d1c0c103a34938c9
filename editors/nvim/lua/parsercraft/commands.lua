---The user commands: each runs a server command through `workspace/executeCommand` and shows
---the result read-only in a `parsercraft://` scratch buffer.
local compat = require("parsercraft.compat")
local report = require("parsercraft.report")

local M = {}

local NAME = "parsercraft"

---@type table<string, integer>
local views = {}

---@param message string
---@param level integer
local function notify(message, level)
  vim.notify(message, level, { title = "parsercraft" })
end

---The named feature policies (server/settings.py FEATURES).
M.FEATURES = {
  "completion",
  "hover",
  "signatureHelp",
  "formatting",
  "typeInference",
  "diagnostics",
  "symbols",
  "semanticTokens",
  "references",
  "rename",
}

---The runbook topics (server/lsp/commands.py TOPICS).
M.TOPICS = {
  "breaker-open",
  "rate-limited",
  "slow-responses",
  "high-memory",
  "persistent-errors",
  "bad-config",
  "registry-unavailable",
}

---The parsercraft client for the current buffer, else any running one.
---@return table|nil
function M.client()
  local bufnr = vim.api.nvim_get_current_buf()
  return compat.buf_clients(bufnr, NAME)[1] or compat.clients(NAME)[1]
end

---Run a server command; `params` is its one object argument (nil: no arguments).
---@param command string
---@param params table|nil
---@param callback fun(result: any)
function M.execute(command, params, callback)
  local client = M.client()
  if client == nil then
    notify("parsercraft-ls is not running (open a file of a ParserCraft project)", vim.log.levels.WARN)
    return
  end
  -- No `arguments` for a command without parameters: `{}` would be sent as `[]` by one
  -- Neovim and could be `{}` by another, and the server rejects an object there.
  local request = { command = command, arguments = params and { params } or nil }
  compat.request(client, "workspace/executeCommand", request, function(err, result)
    if err ~= nil then
      notify(("%s failed: %s"):format(command, err.message or vim.inspect(err)), vim.log.levels.ERROR)
      return
    end
    callback(result)
  end, vim.api.nvim_get_current_buf())
end

---Show Markdown `lines` in a read-only scratch buffer `parsercraft://<title>` in a split.
---@param title string
---@param lines string[]
---@return integer bufnr
function M.show(title, lines)
  local bufnr = views[title]
  if bufnr == nil or not vim.api.nvim_buf_is_valid(bufnr) then
    bufnr = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_buf_set_name(bufnr, "parsercraft://" .. title)
    vim.bo[bufnr].bufhidden = "hide"
    vim.bo[bufnr].filetype = "markdown"
    views[title] = bufnr
  end
  vim.bo[bufnr].modifiable = true
  vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, lines)
  vim.bo[bufnr].modifiable = false
  local win = vim.fn.bufwinid(bufnr)
  if win == -1 then
    vim.cmd("split")
    vim.api.nvim_win_set_buf(0, bufnr)
  else
    vim.api.nvim_set_current_win(win)
  end
  return bufnr
end

---:ParserCraftHealth
function M.health()
  M.execute("parsercraft.health", nil, function(result)
    M.show("health", report.health(result))
  end)
end

---:ParserCraftAudit [feature]
---@param feature string|nil
function M.audit(feature)
  local params = { limit = 500 }
  if feature ~= nil and feature ~= "" then
    params.feature = feature
  end
  M.execute("parsercraft.audit", params, function(result)
    M.show("audit", report.audit(result))
  end)
end

---:ParserCraftResetBreaker {feature}
---@param feature string
function M.reset_breaker(feature)
  M.execute("parsercraft.resetBreaker", { feature = feature }, function(result)
    notify(("%s: breaker %s"):format(result.feature, result.breaker), vim.log.levels.INFO)
  end)
end

---:ParserCraftRunbook {topic}
---@param topic string
function M.runbook(topic)
  M.execute("parsercraft.runbook", { topic = topic }, function(result)
    M.show("runbook/" .. topic, vim.split(result.markdown or "", "\n", { plain = true }))
  end)
end

---@param list string[]
local function completer(list)
  return function(lead)
    return vim.tbl_filter(function(item)
      return item:sub(1, #lead) == lead
    end, list)
  end
end

---Define the user commands; `plugin` provides `restart`.
---@param plugin {restart: fun()}
function M.define(plugin)
  local command = vim.api.nvim_create_user_command
  command("ParserCraftHealth", function()
    M.health()
  end, { desc = "parsercraft-ls: show the health report" })
  command("ParserCraftAudit", function(args)
    M.audit(args.args)
  end, { nargs = "?", complete = completer(M.FEATURES), desc = "parsercraft-ls: audit log, newest first" })
  command("ParserCraftResetBreaker", function(args)
    M.reset_breaker(args.args)
  end, { nargs = 1, complete = completer(M.FEATURES), desc = "parsercraft-ls: close a feature's breaker" })
  command("ParserCraftRunbook", function(args)
    M.runbook(args.args)
  end, { nargs = 1, complete = completer(M.TOPICS), desc = "parsercraft-ls: show a runbook" })
  command("ParserCraftRestart", function()
    plugin.restart()
  end, { desc = "parsercraft-ls: restart the server" })
end

return M
