---Where a buffer's project is, which files it maps, which executable to start, and the
---settings as they go on the wire.
local compat = require("parsercraft.compat")

local M = {}

---Keys of server/settings.py whose values are lists (an empty one must encode as `[]`).
local LIST_KEYS = { languages = true, extensions = true, globs = true }

---The server's settings (camelCase), for validating `opts.settings`.
M.SERVER_SETTINGS = {
  "languages",
  "indentWidth",
  "diagnosticsDelayMs",
  "policies",
  "chaos",
  "workers",
  "maxDocumentMb",
  "auditFile",
  "memoryLimitMb",
}

---@param path string
---@return boolean
local function is_file(path)
  local stat = compat.uv.fs_stat(path)
  return stat ~= nil and stat.type == "file"
end

---@param path string
---@return string
local function parent(path)
  return vim.fn.fnamemodify(path, ":h")
end

---The nearest directory at or above `path` holding one of `markers`, or nil.
---@param path string an absolute file or directory path
---@param markers string[]
---@return string|nil
function M.find_root(path, markers)
  if path == "" then
    return nil
  end
  local dir = vim.fn.isdirectory(path) == 1 and path or parent(path)
  while true do
    for _, marker in ipairs(markers) do
      if is_file(dir .. "/" .. marker) then
        return dir
      end
    end
    local up = parent(dir)
    if up == dir then
      return nil
    end
    dir = up
  end
end

---The `extensions` of each `[[language]]` of a `parsercraft.toml` (a leading dot added, as
---the server does). Only string arrays on one line are read; the server validates the rest.
---@param text string
---@return string[]
function M.extensions_from_toml(text)
  local found = {}
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    local body = line:match("^%s*extensions%s*=%s*%[(.-)%]")
    if body then
      for ext in body:gmatch("[\"']([^\"']*)[\"']") do
        if ext ~= "" then
          table.insert(found, ext:sub(1, 1) == "." and ext or "." .. ext)
        end
      end
    end
  end
  return found
end

---@param path string
---@return string|nil
local function read(path)
  local fd = io.open(path, "r")
  if fd == nil then
    return nil
  end
  local text = fd:read("*a")
  fd:close()
  return text
end

---The lower-cased extensions mapped for `root`: its `parsercraft.toml`, the `languages`
---setting and `extra`.
---@param root string
---@param settings table
---@param extra string[]
---@return string[]
function M.extensions(root, settings, extra)
  local out = {}
  local text = read(root .. "/parsercraft.toml")
  for _, ext in ipairs(text and M.extensions_from_toml(text) or {}) do
    table.insert(out, ext:lower())
  end
  for _, language in ipairs(type(settings.languages) == "table" and settings.languages or {}) do
    for _, ext in ipairs(type(language) == "table" and language.extensions or {}) do
      table.insert(out, tostring(ext):lower())
    end
  end
  for _, ext in ipairs(extra) do
    table.insert(out, ext:lower())
  end
  return out
end

---Whether file `name` ends with one of `extensions` (compared case-insensitively).
---@param name string
---@param extensions string[]
---@return boolean
function M.matches(name, extensions)
  local lower = name:lower()
  for _, ext in ipairs(extensions) do
    if ext ~= "" and lower:sub(-#ext) == ext then
      return true
    end
  end
  return false
end

---The command to start: `cmd` if given, else `<root>/.venv/bin/parsercraft-ls serve`, else
---`parsercraft-ls serve` from PATH.
---@param cmd string[]|nil
---@param root string|nil
---@return string[] cmd, string source
function M.command(cmd, root)
  if cmd ~= nil then
    return cmd, "setup({cmd})"
  end
  if root ~= nil then
    local venv = root .. "/.venv/bin/parsercraft-ls"
    if vim.fn.executable(venv) == 1 then
      return { venv, "serve" }, "workspace .venv"
    end
  end
  return { "parsercraft-ls", "serve" }, "PATH"
end

---A copy of `value` that encodes as the server expects: empty tables become `{}` except
---under list keys, where they stay `[]` (`vim.json` encodes every empty table as `[]`).
---@param value any
---@param key string|nil
---@return any
function M.wire(value, key)
  if type(value) ~= "table" then
    return value
  end
  if next(value) == nil then
    return LIST_KEYS[key] and {} or compat.empty_object()
  end
  local out = {}
  for k, v in pairs(value) do
    out[k] = M.wire(v, type(k) == "string" and k or key)
  end
  return out
end

---Problems with `settings` the plugin can see without the server: unknown keys.
---@param settings table
---@return string[]
function M.check_settings(settings)
  local known, problems = {}, {}
  for _, key in ipairs(M.SERVER_SETTINGS) do
    known[key] = true
  end
  for key in pairs(settings) do
    if not known[key] then
      table.insert(problems, ("unknown setting '%s' (known: %s)"):format(key, table.concat(M.SERVER_SETTINGS, ", ")))
    end
  end
  return problems
end

return M
