-- Refresh-token rotation chains (bench/wrk.ts): each request takes a token from the pool and the response puts
-- the rotated one back, so no refresh token is ever sent twice (a reuse would revoke its grant).
local pool = {}
local authorization = os.getenv("WRK_AUTHORIZATION")
local threads = {}
starved = 0

setup = function(thread)
  table.insert(threads, thread)
end

init = function(args)
  for token in io.lines(os.getenv("WRK_TOKENS")) do table.insert(pool, token) end
end

request = function()
  local token = table.remove(pool)
  if not token then
    -- Every chain broke (errors): keep the connection busy with a request reported apart, not counted as a refresh.
    starved = starved + 1
    return wrk.format("GET", "/healthz")
  end
  return wrk.format("POST", "/token", {
    ["Authorization"] = authorization,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, "grant_type=refresh_token&refresh_token=" .. token)
end

response = function(status, headers, body)
  local token = body:match('"refresh_token":"([^"]+)"')
  if token then table.insert(pool, token) end
end

done = function(summary, latency, requests)
  local starvedRequests = 0
  for _, thread in ipairs(threads) do starvedRequests = starvedRequests + thread:get("starved") end
  local errors = starvedRequests + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout
  io.write(string.format('\nWRK_RESULT {"requests":%d,"duration_us":%d,"errors":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests - starvedRequests - summary.errors.status, summary.duration, errors, latency:percentile(50), latency:percentile(99)))
end
