-- The soak's load: a weighted mix of request kinds, each answer checked against the status its kind
-- expects. bench/soak.ts defines the kinds (SOAK_KINDS, Lua source of a table) and the count at
-- which the phase stops (SOAK_LIMIT): the thread stops and says so on stdout, and the runner
-- interrupts wrk, whose main thread would otherwise sleep out its -d duration. Each request carries X-Request-Id "soak.<kind>", which the
-- service echoes: responses arrive in any order across connections, and the echo says which kind an
-- answer belongs to. A missing or unknown echo counts as unexpected too.
local kinds = (loadstring or load)(os.getenv("SOAK_KINDS"))()
local limit = tonumber(os.getenv("SOAK_LIMIT"))
local prefix = os.getenv("SOAK_EMAIL_PREFIX")

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

-- Globals: done() reads them from the thread with thread:get().
answered = 0
counts = {}
unexpected = {}
sample = ""

local byId = {}
local wheel = {}
local counter = 0

function init(args)
  for _, k in ipairs(kinds) do
    -- As the ALB forwards it (the product runs with TRUST_PROXY=true, as deployed).
    local headers = { ["x-request-id"] = "soak." .. k.name, ["x-forwarded-for"] = "203.0.113.7" }
    if k.body then headers["content-type"] = "application/json" end
    -- Requests without a per-request email are built once.
    if not k.body or not string.find(k.body, "{email}", 1, true) then
      k.request = wrk.format(k.method, k.path, headers, k.body)
    end
    k.headers = headers
    byId["soak." .. k.name] = k
    counts[k.name] = 0
    unexpected[k.name] = 0
    for _ = 1, k.weight do table.insert(wheel, k) end
  end
  math.randomseed(tonumber(os.getenv("SOAK_SEED")) or 1)
end

function request()
  local k = wheel[math.random(#wheel)]
  if k.request then return k.request end
  counter = counter + 1
  local body = string.gsub(k.body, "{email}", prefix .. "-" .. counter .. "@soak.example", 1)
  return wrk.format(k.method, k.path, k.headers, body)
end

function response(status, headers, body)
  answered = answered + 1
  local k = byId[headers["x-request-id"] or headers["X-Request-Id"] or ""]
  if k then
    counts[k.name] = counts[k.name] + 1
    if status ~= k.status then unexpected[k.name] = unexpected[k.name] + 1 end
  else
    unexpected["(no echo)"] = (unexpected["(no echo)"] or 0) + 1
  end
  if (not k or status ~= k.status) and #sample < 2000 then
    sample = sample .. string.format("%s -> %d %s\n", k and k.name or "?", status, string.sub(body or "", 1, 200))
  end
  if answered == limit then
    wrk.thread:stop()
    io.write("SOAK_LIMIT_REACHED\n")
    io.flush()
  end
end

local function json(t)
  local parts = {}
  for name, n in pairs(t) do table.insert(parts, string.format("%q:%d", name, n)) end
  return "{" .. table.concat(parts, ",") .. "}"
end

-- The runner reads the BENCH-style last line: wrk's totals and socket errors, and our tallies.
function done(summary, latency, requests)
  local t = threads[1]
  local e = summary.errors
  io.write(string.format(
    '\nSOAK_JSON {"requests":%d,"durationUs":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"p50":%d,"p99":%d,"answered":%d,"counts":%s,"unexpected":%s}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), t:get("answered"), json(t:get("counts")), json(t:get("unexpected"))))
  local s = t:get("sample")
  if s ~= "" then io.write("SOAK_SAMPLE\n" .. s) end
end
