-- A server's report: records its players and pushes its expiry, while the epoch is current; and
-- the CPU its logic rooms used, on the records of those rooms that are still its own.
local serverKey = KEYS[1]
local expiryKey = KEYS[2]
local prefix = ARGV[1]
local id = ARGV[2]
local epoch = ARGV[3]
local players = ARGV[4]
local nowMs = ARGV[5]
local expiresAtMs = ARGV[6]
local ROOM_CPU_FROM = 7          -- the rest: room id, CPU seconds, load; repeated

if redis.call('HGET', serverKey, 'epoch') ~= epoch then return 0 end
redis.call('HSET', serverKey, 'players', players, 'reportAt', nowMs)
redis.call('ZADD', expiryKey, expiresAtMs, id)
for i = ROOM_CPU_FROM, #ARGV - 2, 3 do
  local roomKey = prefix .. 'room:' .. ARGV[i]
  if redis.call('HGET', roomKey, 'serverId') == id then
    redis.call('HSET', roomKey, 'cpu', ARGV[i + 1], 'cpuLoad', ARGV[i + 2])
  end
end
return 1
