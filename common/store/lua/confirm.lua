-- The server opened the room: OPENING becomes OPEN. 1 when the room is open on that server.
--- @include "listings"
local roomKey = KEYS[1]
local prefix = ARGV[1]
local roomId = ARGV[2]
local serverId = ARGV[3]
local nowMs = tonumber(ARGV[4])

local r = redis.call('HMGET', roomKey, 'sv', 's')
if r[1] ~= serverId then return 0 end
if r[2] == ROOM_OPENING then
  redis.call('HSET', roomKey, 's', ROOM_OPEN)
  redis.call('ZREM', prefix .. 'opening', roomId)
  reroom(prefix, roomId, nowMs)
  return 1
end
if r[2] == ROOM_OPEN then return 1 end
return 0
