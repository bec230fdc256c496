-- wrk-report.lua - wrk's exact numbers as one machine-readable line.
--
--   wrk -t2 -c64 -d5s --timeout 5s --latency -s wrk-report.lua URL [-- count]
--
-- done() prints, after wrk's own summary, one line:
--   wrk-report: duration_us=D requests=N bytes=B sent=S connect=E read=E write=E
--               status=E timeout=E p50_us=.. p90_us=.. p99_us=.. p999_us=.. max_us=..
--               mean_us=.. stdev_us=..
-- requests is wrk's count of complete responses, the errors are wrk's own
-- tallies (status: responses with a status above 399), latencies are
-- microseconds from wrk's histogram (a request's latency runs from the
-- write of its first byte to the end of its response; wrk is closed-loop,
-- so a slow reply delays the next send and the figures understate what an
-- open-loop client would see). wrk's timeout count is the replies that
-- came slower than --timeout (their latency is left out of the
-- percentiles); a request that never gets a reply is counted nowhere, so
-- the driver looks at the server's sockets for connections never served.
--
-- With the argument "count", the script also defines request(), which
-- returns the same pre-formatted request every time and counts it, so that
-- sent is the number of requests wrk began writing (without it, sent=-1):
-- the server's count of parsed requests can then be checked against it.
-- (wrk also opens one connection of its own before the run, to check the
-- address: the server counts C + 1 connections, one of them with no request.)
-- A request() makes wrk call into Lua once per request (bench/load/README.md
-- says what that costs).

local threads = {}

function setup(thread)
    table.insert(threads, thread)
    -- Before any connection, wrk calls the first thread's request() once to
    -- check that it parses (script_verify_request): that call is not a send.
    thread:set("verifying", #threads == 1)
end

function init(args)
    sent = 0
    counting = false -- a plain value: done() reads it through thread:get()
    for _, a in ipairs(args) do
        if a == "count" then
            counting = true
            local req = wrk.format()
            request = function()
                if verifying then
                    verifying = false
                else
                    sent = sent + 1
                end
                return req
            end
        end
    end
end

function done(summary, latency, requests)
    local sent_total = 0
    for _, t in ipairs(threads) do
        local s = t:get("sent")
        if not t:get("counting") then
            sent_total = -1
        elseif sent_total >= 0 then
            sent_total = sent_total + s
        end
    end
    local e = summary.errors
    io.write(string.format(
        "wrk-report: duration_us=%d requests=%d bytes=%d sent=%d connect=%d read=%d " ..
        "write=%d status=%d timeout=%d p50_us=%.1f p90_us=%.1f p99_us=%.1f " ..
        "p999_us=%.1f max_us=%.1f mean_us=%.1f stdev_us=%.1f\n",
        summary.duration, summary.requests, summary.bytes, sent_total, e.connect, e.read,
        e.write, e.status, e.timeout, latency:percentile(50), latency:percentile(90),
        latency:percentile(99), latency:percentile(99.9), latency.max, latency.mean,
        latency.stdev))
end
