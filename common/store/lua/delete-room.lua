-- Removes the room, its snapshot, listings and reservation; with a serverId, only if it is still there.
--- @include "reservations"
--- @include "listings"
local roomKey = KEYS[1]
local prefix = ARGV[1]
local roomId = ARGV[2]
local expectedServerId = ARGV[3]   -- '' for any

local r = redis.call('HMGET', roomKey, 'sv', 'n', 's')
if not r[3] then return 0 end
local serverId = r[1] or ''
if expectedServerId ~= '' and serverId ~= expectedServerId then return 0 end
forget(prefix, roomId)
redis.call('DEL', roomKey, prefix .. 'snap:' .. roomId)
redis.call('ZREM', prefix .. 'opening', roomId)
redis.call('ZREM', prefix .. 'moving', roomId)
if serverId ~= '' then release(prefix, roomId, serverId, tonumber(r[2])) end
return 1
