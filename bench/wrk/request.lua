-- One fixed request per workload, described by the environment that bench/run.sh sets:
--   BENCH_METHOD  GET or POST
--   BENCH_BODY    form body (sent as application/x-www-form-urlencoded)
--   BENCH_AUTH    base64 of "client_id:secret" for HTTP Basic
--   BENCH_EXPECT  text every good response body contains
--   BENCH_ACCEPT  Accept header (optional: the JWT shapes of introspection)
-- A response that is not 200 or lacks BENCH_EXPECT counts as bad. done() prints one RESULT line.
wrk.method = os.getenv("BENCH_METHOD") or "GET"

local body = os.getenv("BENCH_BODY")
if body and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

local auth = os.getenv("BENCH_AUTH")
if auth and auth ~= "" then
  wrk.headers["Authorization"] = "Basic " .. auth
end

local accept = os.getenv("BENCH_ACCEPT")
if accept and accept ~= "" then
  wrk.headers["Accept"] = accept
end

local expect = os.getenv("BENCH_EXPECT")
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  good = 0
  bad = 0
end

function response(status, headers, response_body)
  if status == 200 and (expect == nil or string.find(response_body, expect, 1, true)) then
    good = good + 1
  else
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local good_total, bad_total = 0, 0
  for _, thread in ipairs(threads) do
    good_total = good_total + thread:get("good")
    bad_total = bad_total + thread:get("bad")
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d rps=%.1f p50_ms=%.3f p99_ms=%.3f good=%d bad=%d socket_errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    good_total, bad_total, e.connect + e.read + e.write + e.timeout))
end
