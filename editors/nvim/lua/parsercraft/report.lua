---Readable Markdown lines from the server's command results (docs/reference/commands.md),
---and the statusline text of a `parsercraft/status` payload.
local M = {}

---@param value any
---@return string
local function text(value)
  if value == nil or value == vim.NIL then
    return ""
  end
  if type(value) == "table" then
    return vim.fn.json_encode(value)
  end
  return tostring(value)
end

---@param value any
---@return string
local function cell(value)
  return (text(value):gsub("|", "\\|"):gsub("\n", " "))
end

---@param value any
---@return table
local function tbl(value)
  return type(value) == "table" and value or {}
end

---The `parsercraft.health` result as Markdown lines.
---@param body table
---@return string[]
function M.health(body)
  body = tbl(body)
  local lines = { "# parsercraft-ls health: " .. text(body.status), "" }
  local reasons = tbl(body.reasons)
  if #reasons == 0 then
    table.insert(lines, "No health conditions.")
  else
    vim.list_extend(lines, { "## Reasons", "", "| feature | reason | runbook |", "|---|---|---|" })
    for _, r in ipairs(reasons) do
      local feature = text(r.feature) ~= "" and cell(r.feature) or "(process)"
      table.insert(lines, ("| %s | %s | `%s` |"):format(feature, cell(r.reason), cell(r.runbook)))
    end
    vim.list_extend(lines, { "", "Read a runbook with :ParserCraftRunbook {topic}." })
  end
  local errors = tbl(body.configErrors)
  if #errors > 0 then
    vim.list_extend(lines, { "", "## Configuration problems", "" })
    for _, e in ipairs(errors) do
      table.insert(lines, "- " .. text(e))
    end
  end
  local features = tbl(body.features)
  local names = vim.tbl_keys(features)
  table.sort(names)
  if #names > 0 then
    vim.list_extend(lines, {
      "",
      "## Features",
      "",
      "| feature | breaker | calls | failures | rejections | p50 ms | p95 ms | p99 ms | degraded |",
      "|---|---|---:|---:|---:|---:|---:|---:|---|",
    })
    for _, name in ipairs(names) do
      local f = tbl(features[name])
      table.insert(
        lines,
        ("| %s | %s | %s | %s | %s | %s | %s | %s | %s |"):format(
          name,
          cell(f.breaker),
          cell(f.calls),
          cell(f.failures),
          cell(f.rejections),
          cell(f.p50Ms),
          cell(f.p95Ms),
          cell(f.p99Ms),
          f.degraded == true and "yes" or "no"
        )
      )
    end
  end
  local workers = tbl(body.workers)
  vim.list_extend(lines, {
    "",
    "## Process",
    "",
    "- version: " .. text(body.version),
    ("- uptime: %s s; resident memory: %s MB"):format(text(body.uptimeS), text(body.rssMb)),
    "- event-loop lag: " .. text(body.eventLoopLagMs) .. " ms",
    ("- workers: %s alive, %s busy, %s restarts, %s killed, %s queued"):format(
      text(workers.alive),
      text(workers.busy),
      text(workers.restarts),
      text(workers.killed),
      text(workers.queued)
    ),
  })
  return lines
end

local BASE_KEYS = { seq = true, ts = true, kind = true, feature = true, errorClass = true, errorId = true }

---The `parsercraft.audit` result as Markdown lines, newest event first.
---@param body table
---@return string[]
function M.audit(body)
  -- A new list to sort (not vim.deepcopy: 0.7 cannot copy the vim.NIL of JSON nulls).
  local events = {}
  for _, e in ipairs(tbl(tbl(body).events)) do
    table.insert(events, e)
  end
  local lines = { "# parsercraft-ls audit log", "" }
  if #events == 0 then
    table.insert(lines, "No audit events.")
    return lines
  end
  table.sort(events, function(a, b)
    return (tonumber(a.seq) or 0) > (tonumber(b.seq) or 0)
  end)
  vim.list_extend(lines, {
    ("%d event(s), newest first."):format(#events),
    "",
    "| seq | time | kind | feature | error | details |",
    "|---:|---|---|---|---|---|",
  })
  for _, e in ipairs(events) do
    local ts = type(e.ts) == "number" and os.date("!%Y-%m-%dT%H:%M:%S", math.floor(e.ts)) or text(e.ts)
    local error = vim.trim(text(e.errorClass) .. " " .. text(e.errorId))
    local keys = {}
    for k in pairs(e) do
      if not BASE_KEYS[k] then
        table.insert(keys, k)
      end
    end
    table.sort(keys)
    local details = {}
    for _, k in ipairs(keys) do
      table.insert(details, k .. "=" .. text(e[k]))
    end
    table.insert(
      lines,
      ("| %s | %s | %s | %s | %s | %s |"):format(
        cell(e.seq),
        cell(ts),
        cell(e.kind),
        cell(e.feature),
        cell(error),
        cell(table.concat(details, "; "))
      )
    )
  end
  return lines
end

local LABEL = { ok = "ok", warning = "degraded", error = "unhealthy" }

---The statusline text of a status payload (`nil`: no status yet).
---@param status table|nil `{health, quiescent, message, degraded}`
---@return string
function M.statusline(status)
  if status == nil then
    return ""
  end
  if status.client then
    return "ParserCraft: " .. status.client
  end
  local label = LABEL[status.health] or text(status.health)
  local degraded = tbl(status.degraded)
  if #degraded > 0 then
    return ("ParserCraft: %s (%s)"):format(label, table.concat(degraded, ", "))
  end
  return "ParserCraft: " .. label
end

return M
