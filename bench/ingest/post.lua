-- wrk: POST one signed 1.5 KB body with a unique X-Request-Id per request (the dedup id), so every
-- request is a new event for hookrouter while the signature (over the body) stays valid.
local body = io.open(os.getenv("BENCH_BODY")):read("*a")
local signature = io.open(os.getenv("BENCH_SIG")):read("*a")
local counter = 0
local prefix = tostring(math.random(1, 2^30)) .. "-"

request = function()
  counter = counter + 1
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["X-Webhook-Signature"] = signature,
    ["X-Request-Id"] = prefix .. counter,
  }, body)
end
