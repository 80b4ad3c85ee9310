-- Leases the due members of a sorted set of leased work (opening or moving rooms) to the caller.
local workKey = KEYS[1]
local nowMs = ARGV[1]
local leaseMs = ARGV[2]
local limit = tonumber(ARGV[3])

local ids = redis.call('ZRANGEBYSCORE', workKey, '-inf', nowMs, 'LIMIT', 0, limit)
local untilMs = tonumber(nowMs) + tonumber(leaseMs)
for _, id in ipairs(ids) do redis.call('ZADD', workKey, untilMs, id) end
return ids
