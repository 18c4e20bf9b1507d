-- wrk: POST one signed 1.5 KB body with a unique X-Request-Id per request (the dedup id), so every
-- request is a new event for hookrouter while the signature (over the body) stays valid.
-- Ids are "PREFIX-COUNTER" (nearly in order, so the dedup index grows at its end), or random UUIDs
-- with BENCH_IDS=uuid (as Shopify's X-Shopify-Webhook-Id: each lands on a random index page).
local body = io.open(os.getenv("BENCH_BODY")):read("*a")
local signature = io.open(os.getenv("BENCH_SIG")):read("*a")
local uuids = os.getenv("BENCH_IDS") == "uuid"
-- Seeded per run: the same ids in every run would make a second run on a kept store all duplicates.
math.randomseed(os.time() + math.floor(os.clock() * 1e6))
local counter = 0
local prefix = tostring(math.random(1, 2^30)) .. "-"

local function uuid()
  return string.format("%08x-%04x-4%03x-%04x-%06x%06x", math.random(0, 0xffffffff), math.random(0, 0xffff),
    math.random(0, 0xfff), math.random(0x8000, 0xbfff), math.random(0, 0xffffff), math.random(0, 0xffffff))
end

request = function()
  counter = counter + 1
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["X-Webhook-Signature"] = signature,
    ["X-Request-Id"] = uuids and uuid() or prefix .. counter,
  }, body)
end
