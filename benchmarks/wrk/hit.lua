-- GET one path as fast as the server answers, as lean as wrk allows (no per-response Lua):
-- cookies cycled from a file, a fixed If-None-Match (the current ETag) so unchanged documents
-- answer 304. For ceilings. args: path cookies-file(or -) etag(or -) [close]
-- "close" sends Connection: close, so each request opens a new connection, as a phone that
-- polls every 3 s does when the server keeps idle connections 2 s.
local cookies, path, etag, n, close = {}, "/", nil, 0, false

function init(args)
  path = args[1]
  if args[2] and args[2] ~= "-" then
    for line in io.lines(args[2]) do
      local cookie = line:match("^([^\t]+)")
      if cookie then table.insert(cookies, cookie) end
    end
  end
  if args[3] and args[3] ~= "-" then etag = args[3] end
  close = args[4] == "close"
end

function request()
  n = n + 1
  local headers = {}
  if #cookies > 0 then headers["Cookie"] = cookies[(n % #cookies) + 1] end
  if etag then headers["If-None-Match"] = etag end
  if close then headers["Connection"] = "close" end
  return wrk.format("GET", path, headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %.3f, "ok": %d, "bad": %d, "socket_errors": %d, ' ..
    '"p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f}\n',
    summary.requests, summary.duration / 1e6, summary.requests - e.status, e.status,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1e3, latency:percentile(95) / 1e3, latency:percentile(99) / 1e3,
    latency.max / 1e3))
end
