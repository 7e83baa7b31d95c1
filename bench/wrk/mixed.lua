-- Mixed load for bench/soak.sh: each thread cycles through ten requests, like a busy deployment's mix:
--   3 × opaque token, 2 × JWT (ES256), 1 × JWT (RS256), 2 × introspection of a token this thread got,
--   1 × revocation of a token this thread got, 1 × JWKS or discovery (alternating).
-- Tokens come from this thread's own token responses (the newest few are kept). Every response must be 200;
-- anything else, and every socket error, counts as an error. done() prints one RESULT line.
-- Environment: SOAK_OPAQUE_AUTH, SOAK_JWT_AUTH, SOAK_GATEWAY_AUTH (base64 client_id:secret), SOAK_SEED_TOKEN.
local opaque_auth = "Basic " .. os.getenv("SOAK_OPAQUE_AUTH")
local jwt_auth = "Basic " .. os.getenv("SOAK_JWT_AUTH")
local gateway_auth = "Basic " .. os.getenv("SOAK_GATEWAY_AUTH")
local seed_token = os.getenv("SOAK_SEED_TOKEN")
local form = { ["Content-Type"] = "application/x-www-form-urlencoded" }
local orders = "resource=https%3A%2F%2Fapi.bench.test%2Forders"
local inventory = "resource=https%3A%2F%2Fapi.bench.test%2Finventory"
local threads = {}
local report = dofile("bench/wrk/report.lua")

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  good, bad, n = 0, 0, 0
  tokens, next_slot = { seed_token }, 1
end

local function post(path, auth, body)
  return wrk.format("POST", path, { ["Content-Type"] = form["Content-Type"], ["Authorization"] = auth }, body)
end

local function some_token()
  return tokens[math.random(#tokens)]
end

function request()
  n = n + 1
  local k = n % 10
  if k <= 2 then
    return post("/connect/token", opaque_auth, "grant_type=client_credentials&scope=orders.read&" .. orders)
  elseif k <= 4 then
    return post("/connect/token", jwt_auth, "grant_type=client_credentials&scope=orders.read&" .. orders)
  elseif k == 5 then
    return post("/connect/token", jwt_auth, "grant_type=client_credentials&scope=inventory.read&" .. inventory)
  elseif k <= 7 then
    return post("/connect/introspect", gateway_auth, "token=" .. some_token())
  elseif k == 8 then
    -- Revoking the token this client got (RFC 7009); the slot is then refilled by newer responses.
    return post("/connect/revoke", opaque_auth, "token=" .. some_token() .. "&token_type_hint=access_token")
  elseif n % 20 == 9 then
    return wrk.format("GET", "/.well-known/jwks.json")
  else
    return wrk.format("GET", "/.well-known/openid-configuration")
  end
end

function response(status, headers, body)
  if status == 200 then
    good = good + 1
    local token = string.match(body, '"access_token":"([^"]+)"')
    if token and not string.find(token, ".", 1, true) then
      tokens[next_slot] = token
      next_slot = next_slot % 16 + 1
    end
  else
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  report.done(threads, summary, latency)
end
