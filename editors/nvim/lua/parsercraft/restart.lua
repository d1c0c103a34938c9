---When to restart a crashed server: exponential backoff, and at most `max_restarts` crashes
---within `window_ms`; past that the plugin gives up and says what to do.
local M = {}

---@class parsercraft.RestartOptions
---@field max_restarts integer crashes tolerated within the window; one more and it gives up
---@field window_ms integer the sliding window
---@field initial_delay_ms integer delay before the first restart; doubles with each crash
---@field max_delay_ms integer the longest delay

---@type parsercraft.RestartOptions
M.defaults = { max_restarts = 5, window_ms = 180000, initial_delay_ms = 500, max_delay_ms = 10000 }

---@class parsercraft.RestartPolicy
---@field options parsercraft.RestartOptions
---@field now fun(): number milliseconds
---@field crashes number[]
local Policy = {}
Policy.__index = Policy

---@param options parsercraft.RestartOptions|nil
---@param now (fun(): number)|nil a clock in milliseconds (tests pass a fake one)
---@return parsercraft.RestartPolicy
function M.new(options, now)
  local self = setmetatable({}, Policy)
  self.options = vim.tbl_extend("force", M.defaults, options or {})
  self.now = now or function()
    return (vim.uv or vim.loop).now()
  end
  self.crashes = {}
  return self
end

---@alias parsercraft.RestartDecision {action: "restart"|"give_up", delay_ms: integer|nil, attempt: integer, message: string}

---The decision for a crash that happened now.
---@return parsercraft.RestartDecision
function Policy:on_crash()
  local now = self.now()
  local kept = {}
  for _, t in ipairs(self.crashes) do
    if now - t < self.options.window_ms then
      table.insert(kept, t)
    end
  end
  table.insert(kept, now)
  self.crashes = kept
  local count = #kept
  local window = ("%d s"):format(math.floor(self.options.window_ms / 1000))
  if count > self.options.max_restarts then
    return {
      action = "give_up",
      attempt = count,
      message = ("parsercraft-ls crashed %d time(s) in %s; it will not be restarted. "
        .. "See :ParserCraftHealth, :checkhealth parsercraft and the LSP log (:lua print(vim.lsp.get_log_path())), "
        .. "fix the cause, then run :ParserCraftRestart."):format(count, window),
    }
  end
  local delay = math.floor(math.min(self.options.max_delay_ms, self.options.initial_delay_ms * 2 ^ (count - 1)))
  return {
    action = "restart",
    delay_ms = delay,
    attempt = count,
    message = ("parsercraft-ls stopped unexpectedly; restarting in %d ms (restart %d of %d)"):format(
      delay,
      count,
      self.options.max_restarts
    ),
  }
end

---Forget past crashes (after a restart the user asked for).
function Policy:reset()
  self.crashes = {}
end

return M
