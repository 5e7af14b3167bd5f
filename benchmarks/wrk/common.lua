-- What the wrk scripts share: the phones file, the per-thread counters, the RESULT line the
-- Python side reads. Loaded with require() from each script's own folder.
local M = {}

-- Lines "cookie<TAB>csrf" (the csrf may be missing) → list of {cookie=, csrf=}; "-" → {}.
function M.read_phones(path)
  local phones = {}
  if path and path ~= "-" then
    for line in io.lines(path) do
      local cookie, csrf = line:match("^([^\t]+)\t?([^\t]*)$")
      if cookie then table.insert(phones, {cookie = cookie, csrf = csrf}) end
    end
  end
  return phones
end

-- Headers for one request: the phone's cookie, and Connection: close when asked.
function M.headers(phone, close)
  local headers = {}
  if phone then headers["Cookie"] = phone.cookie end
  if close then headers["Connection"] = "close" end
  return headers
end

-- Sum a global counter over the threads (done() runs in wrk's main state).
function M.sum(threads, name)
  local total = 0
  for _, t in ipairs(threads) do total = total + (t:get(name) or 0) end
  return total
end

-- Print the RESULT line: wrk's own figures plus the script's counters ({name = number}).
function M.report(summary, latency, counters)
  local e = summary.errors
  local fields = {}
  for name, value in pairs(counters) do
    table.insert(fields, string.format('"%s": %d, ', name, value))
  end
  io.write(string.format(
    'RESULT {%s"requests": %d, "seconds": %.3f, "socket_errors": %d, ' ..
    '"p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f}\n',
    table.concat(fields), summary.requests, summary.duration / 1e6,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1e3, latency:percentile(95) / 1e3, latency:percentile(99) / 1e3,
    latency.max / 1e3))
end

return M
