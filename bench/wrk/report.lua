-- The RESULT line every bench script prints when wrk is done: requests, req/s, p50/p99 and the counts of good and
-- bad answers kept by each thread's response() (globals `good` and `bad`). Loaded with dofile() by the scripts,
-- which call wrk from the repository's root.
local report = {}

function report.done(threads, summary, latency)
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

return report
