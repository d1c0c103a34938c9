---parsercraft-ls for Neovim 0.7.2 and later: starts the server for buffers of ParserCraft
---projects (a `parsercraft.toml` above them), passes settings, keeps the last
---`parsercraft/status` for the statusline, restarts a crashed server with backoff, and runs
---the server's commands through `workspace/executeCommand`. It holds no language logic.
local commands = require("parsercraft.commands")
local compat = require("parsercraft.compat")
local project = require("parsercraft.project")
local report = require("parsercraft.report")
local restart = require("parsercraft.restart")

local M = {}

local NAME = "parsercraft"
local STATUS_METHOD = "parsercraft/status"
local TIMEOUT_MS = 5000

M.FEATURES = commands.FEATURES
M.TOPICS = commands.TOPICS
M.client = commands.client
M.execute = commands.execute
M.show = commands.show
M.health = commands.health
M.audit = commands.audit
M.reset_breaker = commands.reset_breaker
M.runbook = commands.runbook

---@class parsercraft.Options
---@field cmd string[]|nil the server command; default: `<root>/.venv/bin/parsercraft-ls serve`, else `parsercraft-ls serve` on PATH
---@field settings table the `parsercraft` section (camelCase keys, see docs/reference/settings.md)
---@field extensions string[] extra file endings to attach to (besides those of parsercraft.toml and settings.languages)
---@field filetypes string[] filetypes to attach to inside a project, whatever their extension
---@field root_markers string[] files that mark a project root
---@field restart parsercraft.RestartOptions crash restarts
---@field on_attach fun(client: table, bufnr: integer)|nil called when the client attaches to a buffer
---@field capabilities table|nil client capabilities (default: Neovim's)

---@type parsercraft.Options
M.defaults = {
  cmd = nil,
  settings = {},
  extensions = {},
  filetypes = {},
  root_markers = { "parsercraft.toml" },
  restart = restart.defaults,
  on_attach = nil,
  capabilities = nil,
}

---@class parsercraft.Root
---@field client_id integer|nil
---@field bufs table<integer, boolean>
---@field status table|nil the last `parsercraft/status`, or `{client = "..."}` for the plugin's own state
---@field policy parsercraft.RestartPolicy
---@field stopping table<integer, boolean> clients stopped on purpose
---@field restart_requested boolean start again once the stopped client has exited
---@field extensions string[]|nil cached mapped extensions

local state = {
  ---@type parsercraft.Options|nil
  options = nil,
  ---@type table<string, parsercraft.Root>
  roots = {},
  ---@type table<integer, string>
  by_client = {},
  exiting = false,
}

---@param message string
---@param level integer
local function notify(message, level)
  vim.notify(message, level, { title = "parsercraft" })
end

---@param root string
---@return parsercraft.Root
local function entry_for(root)
  local entry = state.roots[root]
  if entry == nil then
    entry = { bufs = {}, policy = restart.new(state.options.restart), stopping = {}, restart_requested = false }
    state.roots[root] = entry
  end
  return entry
end

local function redraw()
  pcall(vim.cmd, "redrawstatus!")
  pcall(vim.api.nvim_exec_autocmds, "User", { pattern = "ParserCraftStatus", modeline = false })
end

---@param root string
---@param status table
local function set_status(root, status)
  entry_for(root).status = status
  redraw()
end

---`parsercraft/status` handler (signature of 0.7 and later).
local function on_status(_, result, ctx)
  local root = state.by_client[ctx.client_id]
  if root ~= nil and type(result) == "table" then
    set_status(root, result)
  end
end

local attach

---Attach every still-loaded buffer of `root` again (a new client starts for the first).
---@param root string
local function reattach(root)
  local entry = entry_for(root)
  for bufnr in pairs(entry.bufs) do
    if vim.api.nvim_buf_is_loaded(bufnr) then
      attach(bufnr, root)
    else
      entry.bufs[bufnr] = nil
    end
  end
end

---@param root string
---@param client_id integer
---@param code integer
---@param signal integer
local function handle_exit(root, client_id, code, signal)
  local entry = entry_for(root)
  state.by_client[client_id] = nil
  if entry.client_id == client_id then
    entry.client_id = nil
  end
  if entry.stopping[client_id] then
    entry.stopping[client_id] = nil
    if entry.restart_requested then
      entry.restart_requested = false
      reattach(root)
    end
    return
  end
  -- A clean exit or SIGTERM was asked for by someone (:LspStop, Neovim quitting): no restart.
  if state.exiting or (code == 0 and (signal == 0 or signal == 15)) then
    set_status(root, { client = "stopped" })
    return
  end
  local decision = entry.policy:on_crash()
  if decision.action == "give_up" then
    set_status(root, { client = "stopped (crashed too often)" })
    notify(decision.message, vim.log.levels.ERROR)
    return
  end
  set_status(root, { client = "restarting" })
  notify(("%s (exit code %s, signal %s)"):format(decision.message, code, signal), vim.log.levels.WARN)
  vim.defer_fn(function()
    reattach(root)
  end, decision.delay_ms)
end

---The client config for `root`.
---@param root string
---@return table
local function make_config(root)
  local opts = state.options
  local cmd = project.command(opts.cmd, root)
  local settings = project.wire(opts.settings)
  local config = {}
  if vim.lsp.config ~= nil then
    -- Neovim >= 0.11: start from the native config (lsp/parsercraft.lua plus the user's
    -- vim.lsp.config("parsercraft", ...)), then set what this plugin owns.
    config = vim.deepcopy(vim.lsp.config[NAME] or {})
  end
  config.name = NAME
  config.cmd = cmd
  config.root_dir = root
  config.workspace_folders = { { uri = vim.uri_from_fname(root), name = root } }
  config.init_options = { parsercraft = settings }
  config.settings = { parsercraft = settings }
  config.capabilities = opts.capabilities or config.capabilities
  config.handlers = vim.tbl_extend("force", config.handlers or {}, { [STATUS_METHOD] = on_status })
  config.on_attach = function(client, bufnr)
    entry_for(root).bufs[bufnr] = true
    if opts.on_attach then
      opts.on_attach(client, bufnr)
    end
  end
  config.on_exit = function(code, signal, client_id)
    -- Called from a libuv callback: leave the fast event before touching the editor.
    vim.schedule(function()
      handle_exit(root, client_id, code, signal)
    end)
  end
  return config
end

---Attach the client of `root` to `bufnr`, starting it if needed.
---@param bufnr integer
---@param root string
attach = function(bufnr, root)
  local entry = entry_for(root)
  entry.bufs[bufnr] = true
  if entry.status == nil or entry.status.client ~= nil then
    set_status(root, { client = "starting" })
  end
  local id = compat.start(make_config(root), bufnr, entry.client_id)
  if id ~= nil then
    entry.client_id = id
    state.by_client[id] = root
  end
end

---@param root string
---@return string[]
local function extensions_for(root)
  local entry = entry_for(root)
  if entry.extensions == nil then
    entry.extensions = project.extensions(root, state.options.settings, state.options.extensions)
  end
  return entry.extensions
end

---Buffers whose filetype the plugin is setting (their FileType event must not re-enter).
---@type table<integer, boolean>
local setting_filetype = {}

---Attach to `bufnr` if it is a mapped file of a ParserCraft project.
---@param bufnr integer
function M.maybe_attach(bufnr)
  if setting_filetype[bufnr] or state.options == nil or not vim.api.nvim_buf_is_valid(bufnr) or vim.bo[bufnr].buftype ~= "" then
    return
  end
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == "" then
    return
  end
  name = vim.fn.fnamemodify(name, ":p")
  local root = project.find_root(name, state.options.root_markers)
  if root == nil then
    return
  end
  local filetype = vim.bo[bufnr].filetype
  if project.matches(name, extensions_for(root)) or vim.tbl_contains(state.options.filetypes, filetype) then
    if filetype == "" then
      -- Neovim knows none of most ParserCraft extensions; give ftplugins a name to hook. Later,
      -- not now: on BufReadPost filetype detection may not have run yet, and `:setfiletype`
      -- keeps a filetype that is already set.
      vim.schedule(function()
        if vim.api.nvim_buf_is_valid(bufnr) and vim.bo[bufnr].filetype == "" then
          setting_filetype[bufnr] = true
          vim.bo[bufnr].filetype = "parsercraft"
          setting_filetype[bufnr] = nil
        end
      end)
    end
    attach(bufnr, root)
  end
end

---The root of `bufnr` (the current buffer by default) that has a client entry, if any.
---@param bufnr integer|nil
---@return string|nil
local function root_of(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  for root, entry in pairs(state.roots) do
    if entry.bufs[bufnr] then
      return root
    end
  end
  return nil
end

---:ParserCraftRestart: stop the server of the current buffer's project (or every project) and
---start it again, forgetting past crashes.
function M.restart()
  local current = root_of()
  for root, entry in pairs(state.roots) do
    if current == nil or root == current then
      entry.policy:reset()
      local id = entry.client_id
      if id ~= nil and vim.lsp.get_client_by_id(id) ~= nil then
        entry.stopping[id] = true
        entry.restart_requested = true
        vim.lsp.stop_client(id)
        vim.defer_fn(function()
          if vim.lsp.get_client_by_id(id) ~= nil then
            vim.lsp.stop_client(id, true) -- it ignored shutdown: force it
          end
        end, TIMEOUT_MS)
      else
        reattach(root)
      end
    end
  end
end

---Replace the `parsercraft` settings and push them to every running client.
---@param settings table
function M.configure(settings)
  state.options.settings = settings
  local wire = project.wire(settings)
  for _, entry in pairs(state.roots) do
    entry.extensions = nil
  end
  for _, client in ipairs(compat.clients(NAME)) do
    client.config.settings = { parsercraft = wire }
    if client.settings ~= nil then
      client.settings = { parsercraft = wire }
    end
    compat.notify(client, "workspace/didChangeConfiguration", { settings = { parsercraft = wire } })
  end
end

---The statusline text for the current buffer's project: `ParserCraft: ok`,
---`ParserCraft: degraded (completion)`, `ParserCraft: unhealthy (...)`, `ParserCraft: restarting`,
---or "" outside a project.
---@return string
function M.statusline()
  local root = root_of()
  local entry = root and state.roots[root]
  return report.statusline(entry and entry.status or nil)
end

---What :checkhealth and tests need to see.
---@return {options: parsercraft.Options|nil, roots: table<string, parsercraft.Root>}
function M.info()
  return { options = state.options, roots = state.roots }
end

---Configure the plugin and attach to matching buffers from now on (and those already open).
---@param opts parsercraft.Options|nil
function M.setup(opts)
  opts = vim.tbl_deep_extend("force", vim.deepcopy(M.defaults), opts or {})
  vim.validate({
    cmd = { opts.cmd, "table", true },
    settings = { opts.settings, "table" },
    extensions = { opts.extensions, "table" },
    filetypes = { opts.filetypes, "table" },
    root_markers = { opts.root_markers, "table" },
    restart = { opts.restart, "table" },
    on_attach = { opts.on_attach, "function", true },
  })
  for _, problem in ipairs(project.check_settings(opts.settings)) do
    notify(problem, vim.log.levels.WARN)
  end
  state.options = opts
  for _, entry in pairs(state.roots) do
    entry.extensions = nil
    entry.policy = restart.new(opts.restart)
  end
  if vim.lsp.config ~= nil then
    vim.lsp.config(NAME, {
      init_options = { parsercraft = project.wire(opts.settings) },
      settings = { parsercraft = project.wire(opts.settings) },
    })
  end
  commands.define(M)
  local group = vim.api.nvim_create_augroup("parsercraft", { clear = true })
  vim.api.nvim_create_autocmd({ "BufReadPost", "BufNewFile", "FileType" }, {
    group = group,
    callback = function(args)
      M.maybe_attach(args.buf)
    end,
  })
  vim.api.nvim_create_autocmd("BufWritePost", {
    group = group,
    pattern = "parsercraft.toml",
    callback = function()
      for _, entry in pairs(state.roots) do
        entry.extensions = nil
      end
    end,
  })
  vim.api.nvim_create_autocmd("VimLeavePre", {
    group = group,
    callback = function()
      state.exiting = true
    end,
  })
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) then
      M.maybe_attach(bufnr)
    end
  end
end

return M
