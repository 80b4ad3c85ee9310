-- Keeps the room's latest snapshot, if the room is open on that server.
local roomKey = KEYS[1]
local snapKey = KEYS[2]
local serverId = ARGV[1]
local snapshot = ARGV[2]

local r = redis.call('HMGET', roomKey, 'sv', 's')
if r[1] ~= serverId or r[2] ~= ROOM_OPEN then return 0 end
redis.call('SET', snapKey, snapshot)
return 1
