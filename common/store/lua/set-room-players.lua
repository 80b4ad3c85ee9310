-- The server's seat count for the room; the seats held for players who joined become taken ones.
--- @include "listings"
local roomKey = KEYS[1]
local prefix = ARGV[1]
local roomId = ARGV[2]
local serverId = ARGV[3]
local count = ARGV[4]
local nowMs = tonumber(ARGV[5])
local JOINED_FROM = 6            -- the rest: ids of the players who joined

if redis.call('HGET', roomKey, 'sv') ~= serverId then return 0 end
-- Joined: it no longer counts against its creator's cap of unjoined rooms (caps.lua).
if tonumber(count) > 0 then redis.call('HSET', roomKey, 'pl', count, 'j', 1)
else redis.call('HDEL', roomKey, 'pl') end
for i = JOINED_FROM, #ARGV do redis.call('HDEL', roomKey, '@' .. ARGV[i]) end
reroom(prefix, roomId, nowMs)
return 1
