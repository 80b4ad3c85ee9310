-- Seats: free = maxPlayers - players (seats the server counts) - live holds (room.lua).
--   {prefix}holdexp         zset  public room id -> when its earliest hold lapses (so listings refresh)
-- Public rooms are listed, newest first, while OPEN or MOVING; joinable ones also while OPEN with a
-- free seat (an OPENING room its server opens on the first join token counts as OPEN: it is
-- promised); quick-join queues hold OPENING and OPEN ones with a free seat, by free seats (a burst
-- of quick-joins fills the room the first of them is creating):
--   {prefix}ls:{mode|*}:{region|*}  zset  room id -> createdAt
--   {prefix}lj:{mode|*}:{region|*}  zset  the same, only joinable rooms
--   {prefix}q:{qkey}:{region|*}     zset  joinable room id -> free seats
--- @include "room"
-- The room's fields and free seats (nil, 0 when there is no room), its lapsed holds dropped. A public
-- room's earliest hold is kept in holdexp, so its listings are redone when that hold lapses;
-- nothing lists a private room, so it costs no entry there.
local function freeSeats(prefix, roomId, nowMs)
  local h, held, earliest = readRoom(prefix, roomId, nowMs, true)
  if not h then return nil, 0 end
  if h.v == VISIBILITY_PUBLIC then
    if earliest then redis.call('ZADD', prefix .. 'holdexp', earliest, roomId)
    else redis.call('ZREM', prefix .. 'holdexp', roomId) end
  end
  return h, tonumber(h.n or '0') - tonumber(h.pl or '0') - held
end

-- The room's free seats, when its listings need no change.
local function freeOf(prefix, roomId, nowMs)
  local _, free = freeSeats(prefix, roomId, nowMs)
  return free
end

local function listKeys(prefix, kind, mode, region)
  local keys = {}
  for _, m in ipairs(mode ~= '' and {mode, '*'} or {'*'}) do
    for _, r in ipairs(region ~= '' and {region, '*'} or {'*'}) do keys[#keys + 1] = prefix .. kind .. ':' .. m .. ':' .. r end
  end
  return keys
end

local function unlist(prefix, roomId, mode, region, qkey)
  for _, k in ipairs(listKeys(prefix, 'ls', mode, region)) do redis.call('ZREM', k, roomId) end
  for _, k in ipairs(listKeys(prefix, 'lj', mode, region)) do redis.call('ZREM', k, roomId) end
  redis.call('ZREM', prefix .. 'q:' .. qkey .. ':' .. region, roomId)
  redis.call('ZREM', prefix .. 'q:' .. qkey .. ':*', roomId)
end

-- Brings the room's listings in line with its state, seats and region; returns its free seats.
local function reroom(prefix, roomId, nowMs)
  local h, free = freeSeats(prefix, roomId, nowMs)
  if not h then return 0 end
  local rkey = prefix .. 'room:' .. roomId
  local mode, qkey = h.m or '', h.q or ''
  local state = h.s
  if state == ROOM_OPENING and h.t then state = ROOM_OPEN end
  if h.ir then
    unlist(prefix, roomId, mode, h.ir, qkey)
    redis.call('HDEL', rkey, 'ir')
  end
  if h.v ~= VISIBILITY_PUBLIC then return free end
  local _, region = where(prefix, h)
  if state ~= ROOM_OPENING then
    for _, k in ipairs(listKeys(prefix, 'ls', mode, region)) do redis.call('ZADD', k, h.c, roomId) end
  end
  if state == ROOM_OPEN and free > 0 then
    for _, k in ipairs(listKeys(prefix, 'lj', mode, region)) do redis.call('ZADD', k, h.c, roomId) end
  end
  if h.s ~= ROOM_MOVING and free > 0 then
    redis.call('ZADD', prefix .. 'q:' .. qkey .. ':' .. region, free, roomId)
    redis.call('ZADD', prefix .. 'q:' .. qkey .. ':*', free, roomId)
  end
  redis.call('HSET', rkey, 'ir', region)
  return free
end

-- Forgets a room's listings (before its hash, with its holds, goes).
local function forget(prefix, roomId)
  local r = redis.call('HMGET', prefix .. 'room:' .. roomId, 'm', 'q', 'ir')
  if r[3] then unlist(prefix, roomId, r[1] or '', r[3], r[2] or '') end
  redis.call('ZREM', prefix .. 'holdexp', roomId)
end

-- Listings of rooms whose holds lapsed (bounded per call; every call takes its share).
local function lapse(prefix, nowMs)
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', prefix .. 'holdexp', '-inf', nowMs, 'LIMIT', 0, 32)) do reroom(prefix, id, nowMs) end
end
