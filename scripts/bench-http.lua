-- bench-http.lua — wrk script for `make bench` (docs/performance.md): cycles
-- through the query mix as GET /v1/search requests and prints one summary
-- line for scripts/bench.
--
--   wrk -t2 -c32 -d20s -s scripts/bench-http.lua http://127.0.0.1:PORT -- PATHS
--
-- PATHS is a file with one request path per line (scripts/bench writes it
-- from queries.jsonl: q, lang, the filters, limit=20 and the six counted
-- facets). Each thread starts at its own offset in the list and walks it in
-- a cycle. done() prints, on one line after "BENCH-HTTP ", a JSON object
-- with requests, duration_us, the latency percentiles (us) and the errors:
-- socket errors (connect, read, write, timeout) and HTTP status >= 400.

local paths = {}
local threads = {}
local counter = 0

local function load(file)
   local list = {}
   local f = io.open(file, "r")
   if not f then
      io.stderr:write("bench-http.lua: cannot open " .. tostring(file) .. "\n")
      os.exit(2)
   end
   for line in f:lines() do
      if #line > 0 then
         list[#list + 1] = line
      end
   end
   f:close()
   if #list == 0 then
      io.stderr:write("bench-http.lua: no paths in " .. file .. "\n")
      os.exit(2)
   end
   return list
end

function setup(thread)
   counter = counter + 1
   thread:set("tid", counter)
   table.insert(threads, thread)
end

function init(args)
   paths = load(args[1])
   -- spread the threads over the list
   pos = ((tid or 1) - 1) * math.floor(#paths / 2)
end

function request()
   pos = pos % #paths + 1
   return wrk.format("GET", paths[pos])
end

function done(summary, latency, requests)
   local e = summary.errors
   local errors = e.connect + e.read + e.write + e.timeout + e.status
   io.write(string.format(
      'BENCH-HTTP {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
      '"max_us":%d,"errors":%d,"socket_errors":%d,"status_errors":%d}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.max, errors, e.connect + e.read + e.write + e.timeout,
      e.status))
end
