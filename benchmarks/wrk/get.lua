-- GET one path as many clients poll it: cookies cycled from a file, the ETag last seen sent
-- back (so unchanged documents answer 304), and an optional pace in requests per second.
-- args: path cookies-file rate-per-second(0 = as fast as possible) connections [close]
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

local cookies, path, interval, close = {}, "/", 0, false
local n, etag = 0, nil
ok, bad = 0, 0  -- globals, so done() can read them from each thread

function init(args)
  path = args[1]
  if args[2] and args[2] ~= "-" then
    for line in io.lines(args[2]) do
      local cookie = line:match("^([^\t]+)")
      if cookie then table.insert(cookies, cookie) end
    end
  end
  local rate, connections = tonumber(args[3] or "0"), tonumber(args[4] or "1")
  if rate > 0 then interval = 1000 * connections / rate end
  close = args[5] == "close"
end

function delay()
  return interval
end

function request()
  n = n + 1
  local headers = {}
  if #cookies > 0 then headers["Cookie"] = cookies[(n % #cookies) + 1] end
  if etag then headers["If-None-Match"] = etag end
  if close then headers["Connection"] = "close" end
  return wrk.format("GET", path, headers)
end

function response(status, headers, body)
  if status == 200 or status == 304 then ok = ok + 1 else bad = bad + 1 end
  if headers["ETag"] then etag = headers["ETag"] end
end

function done(summary, latency, requests)
  local oks, bads = 0, 0
  for _, t in ipairs(threads) do
    oks = oks + t:get("ok")
    bads = bads + t:get("bad")
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %.3f, "ok": %d, "bad": %d, "socket_errors": %d, ' ..
    '"p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f}\n',
    summary.requests, summary.duration / 1e6, oks, bads, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1e3, latency:percentile(95) / 1e3, latency:percentile(99) / 1e3,
    latency.max / 1e3))
end
