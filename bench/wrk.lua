-- One script for every route: the runner passes method, path and body through the environment.
-- BENCH_UNIQUE_EMAIL=<prefix> makes every request's body unique (sign-ups must not collide): the
-- body's "{email}" is replaced with <prefix>-<n>@bench.example, and "{n}" with <prefix>-<n>.
local body = os.getenv("BENCH_BODY") or ""
local prefix = os.getenv("BENCH_UNIQUE_EMAIL") or ""
local counter = 0

wrk.method = os.getenv("BENCH_METHOD") or "GET"
-- What the ALB appends to every request it forwards (a documentation address, RFC 5737). Both
-- targets get it; the product, configured as deployed (TRUST_PROXY=true), logs it as the client.
wrk.headers["x-forwarded-for"] = "203.0.113.7"
if body ~= "" then
  wrk.body = body
  wrk.headers["content-type"] = "application/json"
end

-- BENCH_TOKENS_FILE=<file>: each request carries the next access token of the file (one a line) as
-- Authorization: Bearer, round and round.
local tokens = {}
local tokensFile = os.getenv("BENCH_TOKENS_FILE") or ""
if tokensFile ~= "" then
  for line in io.lines(tokensFile) do
    if line ~= "" then tokens[#tokens + 1] = "Bearer " .. line end
  end
end

-- Without a request() function wrk sends one prebuilt request (cheapest); only unique bodies and
-- tokens need one.
if #tokens > 0 then
  request = function()
    counter = counter + 1
    wrk.headers["authorization"] = tokens[(counter % #tokens) + 1]
    return wrk.format()
  end
elseif prefix ~= "" then
  request = function()
    counter = counter + 1
    local b = string.gsub(body, "{email}", prefix .. "-" .. counter .. "@bench.example", 1)
    b = string.gsub(b, "{n}", prefix .. "-" .. counter, 1)
    return wrk.format(nil, nil, nil, b)
  end
end

-- The runner reads this last line: totals, errors and latency percentiles (microseconds).
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nBENCH_JSON {"requests":%d,"durationUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50":%d,"p99":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
