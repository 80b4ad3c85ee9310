-- Holds a seat in an OPEN room until untilMs (a rejoining player's seat is its own, even when full).
--- @include "listings"
local roomKey = KEYS[1]
local prefix = ARGV[1]
local roomId = ARGV[2]
local playerId = ARGV[3]
local untilMs = ARGV[4]
local nowMs = tonumber(ARGV[5])
local rejoin = ARGV[6]           -- '1' or '0'

local state = redis.call('HGET', roomKey, 'state')
if not state then return {'missing', {}} end
if state ~= ROOM_OPEN then return {'unavailable', room(prefix, roomId, freeOf(prefix, roomId, nowMs))} end
local hk = prefix .. 'holds:' .. roomId
local free = freeOf(prefix, roomId, nowMs)
if rejoin ~= '1' and redis.call('ZSCORE', hk, playerId) == false and free <= 0 then return {'full', room(prefix, roomId, free)} end
redis.call('ZADD', hk, untilMs, playerId)
return {'held', room(prefix, roomId, reroom(prefix, roomId, nowMs))}
