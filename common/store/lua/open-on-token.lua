-- A room's first join token, at the room's own server: spends the token and, if the room is still
-- placed there OPENING or OPEN (confirm.lua's guard), records it OPEN with the token's player
-- seated (set-room-players.lua). 'opened', 'spent' (nothing changed) or 'gone' (token spent only).
--- @include "listings"
local roomKey = KEYS[1]
local spentKey = KEYS[2]         -- with spend '0', the room's key again: untouched
local prefix = ARGV[1]
local roomId = ARGV[2]
local serverId = ARGV[3]
local spend = ARGV[4]            -- '0' on a Redis Cluster: the token was spent apart, just before
local ttlMs = ARGV[5]
local playerId = ARGV[6]
local count = ARGV[7]
local nowMs = tonumber(ARGV[8])

if spend == '1' and not redis.call('SET', spentKey, '1', 'PX', ttlMs, 'NX') then return 'spent' end
local r = redis.call('HMGET', roomKey, 'sv', 's')
if r[1] ~= serverId or (r[2] ~= ROOM_OPENING and r[2] ~= ROOM_OPEN) then return 'gone' end
if r[2] == ROOM_OPENING then redis.call('ZREM', prefix .. 'opening', roomId) end
-- Joined: it no longer counts against its creator's cap of unjoined rooms (caps.lua).
if tonumber(count) > 0 then redis.call('HSET', roomKey, 's', ROOM_OPEN, 'pl', count, 'j', 1)
else
  redis.call('HSET', roomKey, 's', ROOM_OPEN)
  redis.call('HDEL', roomKey, 'pl')
end
redis.call('HDEL', roomKey, '@' .. playerId)
reroom(prefix, roomId, nowMs)
return 'opened'
