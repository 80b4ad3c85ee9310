-- The room leaves its server to be moved: releases the reservation, saves the snapshot if given,
-- and leases the move to the caller. A room still MOVING onto that server (it opened the room,
-- and hands it over before the move was finished) goes back to be moved again, as moving since
-- it first left: the move in flight then finds it gone from there.
--- @include "reservations"
--- @include "listings"
local roomKey = KEYS[1]
local prefix = ARGV[1]
local roomId = ARGV[2]
local serverId = ARGV[3]
local hasSnapshot = ARGV[4]      -- '1' or '0'
local snapshot = ARGV[5]
local nowMs = ARGV[6]
local leaseMs = ARGV[7]

local r = redis.call('HMGET', roomKey, 'sv', 's', 'n')
if r[1] ~= serverId or (r[2] ~= ROOM_OPEN and r[2] ~= ROOM_MOVING) then return 0 end
if hasSnapshot == '1' then redis.call('SET', prefix .. 'snap:' .. roomId, snapshot) end
release(prefix, roomId, serverId, tonumber(r[3]))
unplace(prefix, roomKey, serverId)
if r[2] == ROOM_OPEN then redis.call('HSET', roomKey, 's', ROOM_MOVING, 'ms', nowMs) end
redis.call('ZADD', prefix .. 'moving', tonumber(nowMs) + tonumber(leaseMs), roomId)
reroom(prefix, roomId, tonumber(nowMs))
return 1
