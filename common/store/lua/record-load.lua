-- A server's report: records its players and pushes its expiry, while the epoch is current.
local serverKey = KEYS[1]
local expiryKey = KEYS[2]
local id = ARGV[1]
local epoch = ARGV[2]
local players = ARGV[3]
local nowMs = ARGV[4]
local expiresAtMs = ARGV[5]

if redis.call('HGET', serverKey, 'epoch') ~= epoch then return 0 end
redis.call('HSET', serverKey, 'players', players, 'reportAt', nowMs)
redis.call('ZADD', expiryKey, expiresAtMs, id)
return 1
