-- Holds a seat in an OPEN room (or an OPENING one its server opens on the first join token: it is
-- promised) until untilMs, counted against the holder's cap of unused seats.
-- A seat the player holds already is kept as it is, never renewed; a rejoin finding no free seat
-- is answered 'held' without a hold (its seat is its own while the server counts it, and the
-- server refuses it at the upgrade otherwise), so a rejoin never holds a seat past the full check.
--- @include "caps"
--- @include "listings"
local roomKey = KEYS[1]
local prefix = ARGV[1]
local roomId = ARGV[2]
local playerId = ARGV[3]
local untilMs = ARGV[4]
local nowMs = tonumber(ARGV[5])
local rejoin = ARGV[6]           -- '1' or '0'
local holder = ARGV[7]           -- '' when the seat counts against nobody's cap
local maxSeats = tonumber(ARGV[8])

local r = redis.call('HMGET', roomKey, 's', 't')
local state = r[1]
if not state then return {'missing', {}} end
if state ~= ROOM_OPEN and not (state == ROOM_OPENING and r[2]) then
  freeOf(prefix, roomId, nowMs)
  return {'unavailable', room(prefix, roomId, nowMs)}
end
local hold = '@' .. playerId
local free = freeOf(prefix, roomId, nowMs)
if redis.call('HEXISTS', roomKey, hold) == 1 then return {'held', room(prefix, roomId, nowMs)} end
if free <= 0 then
  if rejoin == '1' then return {'held', room(prefix, roomId, nowMs)} end
  return {'full', room(prefix, roomId, nowMs)}
end
local over = overCap(prefix, holder, nowMs, 0, maxSeats, false)
if over then return {'over_cap', {over}} end
redis.call('HSET', roomKey, hold, untilMs)
giveSeat(prefix, holder, maxSeats, roomId, playerId, untilMs, nowMs)
reroom(prefix, roomId, nowMs)
return {'held', room(prefix, roomId, nowMs)}
