---:checkhealth parsercraft: the executable, its version, the configuration, the server's health.
local compat = require("parsercraft.compat")
local project = require("parsercraft.project")

local M = {}

---@param health table
---@param options parsercraft.Options
---@param root string|nil
local function check_executable(health, options, root)
  health.start("parsercraft-ls executable")
  local cmd, source = project.command(options.cmd, root)
  local exe = cmd[1]
  if vim.fn.executable(exe) ~= 1 then
    health.error(
      ("'%s' (from %s) is not executable"):format(exe, source),
      { "pip install parsercraft-ls", 'or pass setup({cmd = {"/path/to/parsercraft-ls", "serve"}})' }
    )
    return
  end
  health.ok(("'%s' (from %s)"):format(vim.fn.exepath(exe) ~= "" and vim.fn.exepath(exe) or exe, source))
  local output = vim.fn.system({ exe, "--version" })
  if vim.v.shell_error ~= 0 then
    health.error(("'%s --version' failed: %s"):format(exe, vim.trim(output)))
  else
    health.ok("version: " .. vim.trim(output))
  end
end

---@param health table
---@param options parsercraft.Options
---@param roots string[] (empty: no project found)
local function check_config(health, options, roots)
  health.start("parsercraft configuration")
  local problems = project.check_settings(options.settings)
  if #problems == 0 then
    health.ok("setup() settings: " .. (next(options.settings) and table.concat(vim.tbl_keys(options.settings), ", ") or "defaults"))
  end
  for _, problem in ipairs(problems) do
    health.warn(problem, { "see docs/reference/settings.md" })
  end
  if #roots == 0 then
    health.warn(
      ("no %s at or above %s"):format(table.concat(options.root_markers, " or "), vim.fn.getcwd()),
      { "the plugin attaches only to files of a project with a parsercraft.toml" }
    )
  end
  for _, root in ipairs(roots) do
    local extensions = project.extensions(root, options.settings, options.extensions)
    if #extensions == 0 then
      health.warn(root .. "/parsercraft.toml maps no file extensions")
    else
      health.ok(("project %s maps %s"):format(root, table.concat(extensions, " ")))
    end
  end
end

---@param health table
local function check_server(health)
  health.start("parsercraft-ls server")
  local clients = compat.clients("parsercraft")
  if #clients == 0 then
    health.info("no parsercraft-ls running (open a file of a ParserCraft project)")
    return
  end
  for _, client in ipairs(clients) do
    local response, err = compat.request_sync(client, "workspace/executeCommand", { command = "parsercraft.health" }, 5000)
    local where = ("client %d (%s)"):format(client.id, client.config.root_dir or "?")
    if response == nil or response.err ~= nil then
      health.error(("%s: parsercraft.health failed: %s"):format(where, vim.inspect(err or (response and response.err))))
    else
      local body = response.result or {}
      local reasons = {}
      for _, r in ipairs(body.reasons or {}) do
        table.insert(reasons, ("%s (runbook: :ParserCraftRunbook %s)"):format(r.reason, r.runbook))
      end
      local summary = ("%s: %s, version %s"):format(where, body.status, body.version)
      if body.status == "healthy" then
        health.ok(summary)
      elseif body.status == "degraded" then
        health.warn(summary, reasons)
      else
        health.error(summary, reasons)
      end
      for _, e in ipairs(body.configErrors or {}) do
        health.error(where .. ": configuration problem: " .. tostring(e))
      end
    end
  end
end

function M.check()
  local health = compat.health()
  local info = require("parsercraft").info()
  health.start("parsercraft")
  local v = vim.fn.api_info().version
  health.info(("Neovim %d.%d.%d"):format(v.major, v.minor, v.patch))
  local options = info.options
  if options == nil then
    health.warn('setup() was not called', { 'add require("parsercraft").setup({}) to your config' })
    options = require("parsercraft").defaults
  else
    health.ok("setup() was called")
  end
  -- The projects the plugin has attached to, else the one around the working directory.
  local roots = vim.tbl_keys(info.roots)
  table.sort(roots)
  if #roots == 0 then
    roots = { project.find_root(vim.fn.getcwd(), options.root_markers) }
  end
  check_executable(health, options, roots[1])
  check_config(health, options, roots)
  check_server(health)
end

return M
