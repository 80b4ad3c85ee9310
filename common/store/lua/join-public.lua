-- Holds a seat in a matching public room, in the first region that has one, fullest room first,
-- counted against the holder's cap of unused seats.
--- @include "caps"
--- @include "listings"
local anyKey = KEYS[1]           -- the quick-join index of any region: names the node (Redis Cluster)
local prefix = ARGV[1]
local qkey = ARGV[2]
local playerId = ARGV[3]
local untilMs = ARGV[4]
local nowMs = tonumber(ARGV[5])
local holder = ARGV[6]           -- '' when the seat counts against nobody's cap
local maxSeats = tonumber(ARGV[7])
local REGIONS_FROM = 8           -- the rest: regions to look in, best first (none: any)

local over = overCap(prefix, holder, nowMs, 0, maxSeats, false)
if over then return {'over_cap', {over}} end
lapse(prefix, nowMs)
local regions = {}
for i = REGIONS_FROM, #ARGV do regions[#regions + 1] = ARGV[i] end
if #regions == 0 then regions = {'*'} end
for _, region in ipairs(regions) do
  local key = prefix .. 'q:' .. qkey .. ':' .. region
  -- Fullest first, so rooms fill up rather than many rooms each holding a few players.
  for _ = 1, 8 do
    local ids = redis.call('ZRANGEBYSCORE', key, 1, '+inf', 'LIMIT', 0, 1)
    if #ids == 0 then break end
    local roomId = ids[1]
    if reroom(prefix, roomId, nowMs) > 0 then
      redis.call('HSET', prefix .. 'room:' .. roomId, '@' .. playerId, untilMs)
      giveSeat(prefix, holder, maxSeats, roomId, playerId, untilMs, nowMs)
      reroom(prefix, roomId, nowMs)
      return {'held', room(prefix, roomId, nowMs)}
    end
  end
end
return {'none', {}}
