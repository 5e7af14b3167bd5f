-- GET one path as fast as the server answers, as lean as wrk allows (no per-response Lua):
-- cookies cycled from a file, a fixed If-None-Match (the current ETag) so unchanged documents
-- answer 304. For ceilings. args: path cookies-file(or -) etag(or -) [close]
-- "close" sends Connection: close, so each request opens a new connection, as a phone that
-- polls every 3 s does when the server keeps idle connections 2 s.
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local common = require("common")

local phones, path, etag, n, close = {}, "/", nil, 0, false

function init(args)
  path = args[1]
  phones = common.read_phones(args[2])
  if args[3] and args[3] ~= "-" then etag = args[3] end
  close = args[4] == "close"
end

function request()
  n = n + 1
  local headers = common.headers(phones[(n % math.max(#phones, 1)) + 1], close)
  if etag then headers["If-None-Match"] = etag end
  return wrk.format("GET", path, headers)
end

function done(summary, latency, requests)
  local bad = summary.errors.status  -- answers other than 2xx/3xx
  common.report(summary, latency, {ok = summary.requests - bad, bad = bad})
end
