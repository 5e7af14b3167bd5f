-- GET one path as many clients poll it: cookies cycled from a file, the ETag last seen sent
-- back (so unchanged documents answer 304), and an optional pace in requests per second.
-- args: path cookies-file rate-per-second(0 = as fast as possible) connections [close]
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local common = require("common")

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

local phones, path, interval, close = {}, "/", 0, false
local n, etag = 0, nil
ok, bad = 0, 0  -- globals, so done() can read them from each thread

function init(args)
  path = args[1]
  phones = common.read_phones(args[2])
  local rate, connections = tonumber(args[3] or "0"), tonumber(args[4] or "1")
  if rate > 0 then interval = 1000 * connections / rate end
  close = args[5] == "close"
end

function delay()
  return interval
end

function request()
  n = n + 1
  local headers = common.headers(phones[(n % math.max(#phones, 1)) + 1], close)
  if etag then headers["If-None-Match"] = etag end
  return wrk.format("GET", path, headers)
end

function response(status, headers, body)
  if status == 200 or status == 304 then ok = ok + 1 else bad = bad + 1 end
  if headers["ETag"] then etag = headers["ETag"] end
end

function done(summary, latency, requests)
  common.report(summary, latency, {ok = common.sum(threads, "ok"), bad = common.sum(threads, "bad")})
end
