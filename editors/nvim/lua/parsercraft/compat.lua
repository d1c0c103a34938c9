---Version shims: one place for every API that differs between Neovim 0.7.2 and current releases.
---Each function uses the newer API when it exists and falls back to the 0.7 one.
local M = {}

---@type uv
M.uv = vim.uv or vim.loop

---True on Neovim >= `version` (e.g. "0.11").
---@param version string
---@return boolean
function M.has(version)
  return vim.fn.has("nvim-" .. version) == 1
end

---Client methods are called with `:` from 0.11 on (the `.` form is deprecated there).
local method_call = M.has("0.11")

---@param client table
---@param method string
---@param params table|nil
---@param handler function|nil
---@param bufnr integer|nil
function M.request(client, method, params, handler, bufnr)
  if method_call then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

---@param client table
---@param method string
---@param params table|nil
---@param timeout_ms integer
---@param bufnr integer|nil
---@return table|nil result, string|nil err
function M.request_sync(client, method, params, timeout_ms, bufnr)
  if method_call then
    return client:request_sync(method, params, timeout_ms, bufnr)
  end
  return client.request_sync(method, params, timeout_ms, bufnr)
end

---@param client table
---@param method string
---@param params table|nil
function M.notify(client, method, params)
  if method_call then
    return client:notify(method, params)
  end
  return client.notify(method, params)
end

---All running clients named `name`.
---@param name string
---@return table[]
function M.clients(name)
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ name = name })
  end
  local out = {}
  for _, client in pairs(vim.lsp.get_active_clients()) do
    if client.name == name then
      table.insert(out, client)
    end
  end
  return out
end

---The clients named `name` attached to `bufnr`.
---@param bufnr integer
---@param name string
---@return table[]
function M.buf_clients(bufnr, name)
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ bufnr = bufnr, name = name })
  end
  local out = {}
  for _, client in pairs(vim.lsp.buf_get_clients(bufnr)) do
    if client.name == name then
      table.insert(out, client)
    end
  end
  return out
end

---Attach `bufnr` to the client already started for its root, or start one for `config`.
---The plugin tracks its clients itself, so a second call while the first client is still
---initializing reuses it on every version. Starting is `vim.lsp.start` (0.8+), else
---`vim.lsp.start_client` + `vim.lsp.buf_attach_client` (0.7).
---@param config table
---@param bufnr integer
---@param running_id integer|nil the client already started for this root
---@return integer|nil client_id
function M.start(config, bufnr, running_id)
  if running_id ~= nil and vim.lsp.get_client_by_id(running_id) ~= nil then
    vim.lsp.buf_attach_client(bufnr, running_id)
    return running_id
  end
  if vim.lsp.start then
    return vim.lsp.start(config, { bufnr = bufnr })
  end
  local id = vim.lsp.start_client(config)
  if id ~= nil then
    vim.lsp.buf_attach_client(bufnr, id)
  end
  return id
end

---Format `bufnr` synchronously with the client named `name` (`vim.lsp.buf.format` is 0.8+).
---@param bufnr integer
---@param name string
---@param timeout_ms integer
function M.format(bufnr, name, timeout_ms)
  if vim.lsp.buf.format then
    return vim.lsp.buf.format({ bufnr = bufnr, name = name, timeout_ms = timeout_ms })
  end
  return vim.api.nvim_buf_call(bufnr, function()
    vim.lsp.buf.formatting_sync(nil, timeout_ms)
  end)
end

---The health reporting functions: `vim.health.start/ok/...` (0.10+), `vim.health.report_*`
---(0.8, 0.9), or the `health` module of 0.7 (wrapping `health#report_*`).
---@return {start: function, ok: function, info: function, warn: function, error: function}
function M.health()
  local h = vim.health
  if h == nil or h.report_start == nil and h.start == nil then
    h = require("health")
  end
  return {
    start = h.start or h.report_start,
    ok = h.ok or h.report_ok,
    info = h.info or h.report_info,
    warn = h.warn or h.report_warn,
    error = h.error or h.report_error,
  }
end

---An empty JSON object: `vim.json` encodes an empty Lua table as `[]`.
---@return table
function M.empty_object()
  return vim.empty_dict()
end

return M
