-- The new server opened the moved room: MOVING becomes OPEN.
--- @include "listings"
local roomKey = KEYS[1]
local prefix = ARGV[1]
local roomId = ARGV[2]
local serverId = ARGV[3]
local nowMs = tonumber(ARGV[4])

local r = redis.call('HMGET', roomKey, 's', 'sv')
if r[1] ~= ROOM_MOVING or r[2] ~= serverId then return 0 end
redis.call('HSET', roomKey, 's', ROOM_OPEN)
redis.call('HINCRBY', roomKey, 'mg', 1)
redis.call('HDEL', roomKey, 'ms')
redis.call('ZREM', prefix .. 'moving', roomId)
reroom(prefix, roomId, nowMs)
return 1
