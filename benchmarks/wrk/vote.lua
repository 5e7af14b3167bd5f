-- Votes as phones send them: every phone answers every item of the round once, then a share
-- of them change an answer; some add a Khmer comment. Each wrk connection stands for many
-- phones (their cookies are cycled), so a few sockets carry the whole room's votes.
-- args: phones-file item-ids(comma) quota change-every comment-every done-marker-file [close]
-- When the quota is sent, connections idle on /healthz; once every vote is answered the thread
-- stops and writes the marker; the caller then ends wrk (SIGINT), which prints the summary.
-- Counters are globals so done() can read them.
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local common = require("common")

local threads = {}
function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

local phones, items = {}, {}
local n, quota, marker, close = 0, 0, nil, false
local change_every, comment_every = 20, 20
acked, refused = 0, 0
local comment = "%E1%9E%9F%E1%9E%BC%E1%9E%98%E1%9E%94%E1%9E%93%E1%9F%92%E1%9E%90%E1%9F%82%E1%9E%98"

function init(args)
  phones = common.read_phones(args[1])
  for id in string.gmatch(args[2], "%d+") do table.insert(items, id) end
  quota = tonumber(args[3])
  change_every = tonumber(args[4] or "20")
  comment_every = tonumber(args[5] or "20")
  marker = args[6]
  close = args[7] == "close"
  math.randomseed(os.time() + (index or 0))
end

function request()
  if n >= quota then  -- every vote is sent: idle on the health check until all are answered
    return wrk.format("GET", "/healthz")
  end
  local first_pass = #phones * #items
  local k = n % first_pass
  if n >= first_pass then k = math.random(0, first_pass - 1) end  -- a changed answer
  n = n + 1
  local phone = phones[math.floor(k / #items) + 1]
  local item = items[(k % #items) + 1]
  local body = "csrf_token=" .. phone.csrf .. "&item-" .. item .. "=" .. math.random(0, 5)
  if n % comment_every == 0 then body = body .. "&comment-" .. item .. "=" .. comment end
  local headers = common.headers(phone, close)
  headers["X-CSRFToken"] = phone.csrf
  headers["Accept"] = "application/json"
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  return wrk.format("POST", "/e/KH7Q2P/items/" .. item .. "/answer", headers, body)
end

local idle = 0
function response(status, headers, body)
  if body == "ok" then  -- the health check, not a vote
    idle = idle + 1
    -- wrk drops a request now and then when a closed connection is reopened (no response,
    -- no error): once every connection has idled many times, nothing else is coming.
    if idle < 200 then return end
  elseif status == 200 then acked = acked + 1 else refused = refused + 1 end
  if acked + refused == quota or idle >= 200 then
    if marker then io.open(marker, "w"):close() end
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  common.report(summary, latency, {acked = common.sum(threads, "acked"),
                                   refused = common.sum(threads, "refused")})
end
