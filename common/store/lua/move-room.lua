-- Reserves a MOVING room on the best fitting LIVE server (releasing an earlier tentative one); the
-- room keeps the regions and labels it was created with.
--- @include "pick"
--- @include "reservations"
--- @include "listings"
local roomKey = KEYS[1]
local prefix = ARGV[1]
local roomId = ARGV[2]
local strategy = ARGV[3]
local nowMs = ARGV[4]
local excluded = set(ARGV, 5)    -- the rest: server ids not to use

local r = redis.call('HMGET', roomKey, 's', 'sv', 'n', 'w', 'ms', 'l')
if r[1] ~= ROOM_MOVING then return {'gone', ''} end
local seats = tonumber(r[3])
if r[2] and r[2] ~= '' then
  release(prefix, roomId, r[2], seats)
  unplace(prefix, roomKey, r[2])
end
local chosen, why = pick(prefix, cjson.decode(r[4] or '[]'), cjson.decode(r[6] or '{}'), seats, excluded, strategy, '')
if not chosen then return {why, r[5] or nowMs} end
place(prefix, roomKey, roomId, chosen, seats)
reroom(prefix, roomId, tonumber(nowMs))
return {'placed', room(prefix, roomId, tonumber(nowMs))}
