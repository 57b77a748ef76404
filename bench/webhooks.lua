-- wrk script for bench/webhooks.py: POST pre-signed Stripe events, each at most once.
--
-- Arguments (after `--`): <requests file> <number of wrk threads>. Each line of the
-- file is "<Stripe-Signature header>\t<JSON body>"; thread k sends lines k, k+n, k+2n...
-- so no two threads send the same event. A thread that runs out of lines starts again
-- from its first (the server answers those as duplicates; `wrapped` says it happened).
-- done() prints one line "WRK_RESULT <json>" for the bench to parse.

local threads = {}
local created_marker = '"duplicate": false'

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

function init(args)
  local path, nthreads = args[1], tonumber(args[2])
  requests, created, wrapped, refused = {}, 0, 0, 0
  local line_no = 0
  for line in io.lines(path) do
    if line_no % nthreads == index then
      local tab = string.find(line, "\t", 1, true)
      local headers = {["Content-Type"] = "application/json", ["Stripe-Signature"] = string.sub(line, 1, tab - 1)}
      table.insert(requests, wrk.format("POST", "/webhooks/stripe/", headers, string.sub(line, tab + 1)))
    end
    line_no = line_no + 1
  end
  position = 0
end

function request()
  position = position + 1
  if position > #requests then
    position, wrapped = 1, wrapped + 1
  end
  return requests[position]
end

function response(status, headers, body)
  if status == 200 and string.find(body, created_marker, 1, true) then
    created = created + 1
  elseif status ~= 200 then
    refused = refused + 1
  end
end

function done(summary, latency, requests_stats)
  local created_total, wrapped_total, refused_total = 0, 0, 0
  for _, thread in ipairs(threads) do
    created_total = created_total + thread:get("created")
    wrapped_total = wrapped_total + thread:get("wrapped")
    refused_total = refused_total + thread:get("refused")
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"duration_us": %d, "requests": %d, "created": %d, "wrapped": %d, "non_200": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "p999": %d, "max": %d, "mean": %.1f}}\n',
    summary.duration, summary.requests, created_total, wrapped_total, refused_total,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, latency.mean))
end
