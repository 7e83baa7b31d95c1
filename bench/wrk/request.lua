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
local report = dofile("bench/wrk/report.lua")

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
  report.done(threads, summary, latency)
end
