-- wrk script for bench/ingest-http: POST one crash record per request, in
-- the v2 (fields in headers) or v3 (JSON) wire format, each with its own
-- event id, so that no request is a duplicate of another.
--
--   wrk ... -s ingest-http.lua http://127.0.0.1:PORT -- v2|v3 RUN_NONCE
--
-- The event id is 32 hex digits: wrk thread, run nonce, per-thread counter,
-- random; the machine id is per thread and run.

-- setup() runs in the main Lua state and hands each thread its number as
-- the global thread_no (a file-level local would shadow it).
local started = 0

function setup(thread)
  started = started + 1
  thread:set("thread_no", started)
end

local format, nonce, counter, machine
local v2_headers, v3_headers, payload_raw, payload_json

local function fields(event_id)
  return {
    {"record_format_version", "4"},
    {"classification", "org.clearlinux/crash/clr"},
    {"severity", "3"},
    {"machine_id", machine},
    {"creation_timestamp", "1795754646"},
    {"arch", "x86_64"},
    {"host_type", "no_sv_file|no_pn_file|no_pvr_file"},
    {"build", '"12"'},
    {"kernel_version", "6.18.44-fc-v669"},
    {"payload_format_version", "1"},
    {"system_name", "debian"},
    {"board_name", "no_bn_file|no_bv_file"},
    {"cpu_model", "AMD EPYC"},
    {"bios_version", "no_bv_file"},
    {"event_id", event_id},
  }
end

function init(args)
  format = args[1] or "v2"
  nonce = tonumber(args[2] or "0") or 0
  counter = 0
  math.randomseed(nonce * 1000 + thread_no)
  machine = string.format("bench-%08x-%02x", nonce, thread_no)
  payload_raw = table.concat({
    "Process: /usr/bin/crashme", "PID: 26008", "Signal: 11", "",
    "Backtrace (TID 26008):",
    "#0 sum_list() - [/usr/lib/crashes/crashme] - /usr/lib/crashes/crashme.c:11",
    "#1 process_input() - [/usr/lib/crashes/crashme] - /usr/lib/crashes/crashme.c:20",
    "#2 main() - [/usr/lib/crashes/crashme] - /usr/lib/crashes/crashme.c:25",
    "#3 __libc_start_call_main() - [libc.so.6] - ../sysdeps/nptl/libc_start_call_main.h:58",
    "#4 __libc_start_main@@GLIBC_2.34() - [libc.so.6] - ../csu/libc-start.c:360",
    "#5 _start() - [/usr/lib/crashes/crashme]", "", ""}, "\n")
  payload_json = payload_raw:gsub("\n", "\\n")
end

request = function()
  counter = counter + 1
  local event_id = string.format("%08x%08x%08x%08x", thread_no, nonce, counter, math.random(0, 0x7fffffff))
  local f = fields(event_id)
  if format == "v3" then
    local parts = {}
    for _, kv in ipairs(f) do
      parts[#parts + 1] = string.format('"%s":"%s"', kv[1], kv[2]:gsub('"', '\\"'))
    end
    parts[#parts + 1] = '"payload":"' .. payload_json .. '"'
    return wrk.format("POST", "/v3/collector", {
      ["X-Telemetry-TID"] = "6907c830-eed9-4ce9-81ae-76daf8d88f0f",
      ["Content-Type"] = "application/json",
    }, "{" .. table.concat(parts, ",") .. "}")
  end
  local h = {
    ["X-Telemetry-TID"] = "6907c830-eed9-4ce9-81ae-76daf8d88f0f",
    ["Content-Type"] = "application/text",
  }
  for _, kv in ipairs(f) do h[kv[1]] = kv[2] end
  return wrk.format("POST", "/v2/collector", h, payload_raw)
end

-- one machine-readable line for the driver script
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d errors_status=%d errors_connect=%d errors_read=%d errors_write=%d errors_timeout=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
