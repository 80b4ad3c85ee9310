-- Seats: free = maxPlayers - players (seats the server counts) - live holds.
--   {prefix}holds:{roomId}  zset  player id -> when its held seat lapses (its join token expires)
--   {prefix}holdexp         zset  room id -> when its earliest hold lapses (so listings refresh)
-- Public rooms are listed, newest first, while OPEN or MOVING; joinable ones also while OPEN with a
-- free seat (an OPENING room its server opens on the first join token counts as OPEN: it is
-- promised); quick-join queues hold OPENING and OPEN ones with a free seat, by free seats (a burst
-- of quick-joins fills the room the first of them is creating):
--   {prefix}ls:{mode|*}:{region|*}  zset  room id -> createdAt
--   {prefix}lj:{mode|*}:{region|*}  zset  the same, only joinable rooms
--   {prefix}q:{qkey}:{region|*}     zset  joinable room id -> free seats
local function freeSeats(prefix, roomId, nowMs, maxPlayers, players)
  local hk = prefix .. 'holds:' .. roomId
  redis.call('ZREMRANGEBYSCORE', hk, '-inf', nowMs)
  local earliest = redis.call('ZRANGE', hk, 0, 0, 'WITHSCORES')
  if #earliest == 0 then redis.call('ZREM', prefix .. 'holdexp', roomId)
  else redis.call('ZADD', prefix .. 'holdexp', earliest[2], roomId) end
  return tonumber(maxPlayers or '0') - tonumber(players or '0') - redis.call('ZCARD', hk)
end

-- The room's free seats, when its listings need no change.
local function freeOf(prefix, roomId, nowMs)
  local r = redis.call('HMGET', prefix .. 'room:' .. roomId, 'maxPlayers', 'players')
  return freeSeats(prefix, roomId, nowMs, r[1], r[2])
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
  local rkey = prefix .. 'room:' .. roomId
  local r = redis.call('HMGET', rkey, 'state', 'vis', 'mode', 'region', 'maxPlayers', 'players', 'qkey', 'ir', 'createdAt', 'tok')
  local mode, qkey = r[3] or '', r[7] or ''
  local state = r[1]
  if state == ROOM_OPENING and r[10] then state = ROOM_OPEN end
  if r[8] then
    unlist(prefix, roomId, mode, r[8], qkey)
    redis.call('HDEL', rkey, 'ir')
  end
  if not r[1] then return 0 end
  local free = freeSeats(prefix, roomId, nowMs, r[5], r[6])
  if r[2] ~= VISIBILITY_PUBLIC then return free end
  local region = r[4] or ''
  if state ~= ROOM_OPENING then
    for _, k in ipairs(listKeys(prefix, 'ls', mode, region)) do redis.call('ZADD', k, r[9], roomId) end
  end
  if state == ROOM_OPEN and free > 0 then
    for _, k in ipairs(listKeys(prefix, 'lj', mode, region)) do redis.call('ZADD', k, r[9], roomId) end
  end
  if r[1] ~= ROOM_MOVING and free > 0 then
    redis.call('ZADD', prefix .. 'q:' .. qkey .. ':' .. region, free, roomId)
    redis.call('ZADD', prefix .. 'q:' .. qkey .. ':*', free, roomId)
  end
  redis.call('HSET', rkey, 'ir', region)
  return free
end

-- Forgets a room's listings and holds (before its hash goes).
local function forget(prefix, roomId)
  local r = redis.call('HMGET', prefix .. 'room:' .. roomId, 'mode', 'qkey', 'ir')
  if r[3] then unlist(prefix, roomId, r[1] or '', r[3], r[2] or '') end
  redis.call('DEL', prefix .. 'holds:' .. roomId)
  redis.call('ZREM', prefix .. 'holdexp', roomId)
end

-- Listings of rooms whose holds lapsed (bounded per call; every call takes its share).
local function lapse(prefix, nowMs)
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', prefix .. 'holdexp', '-inf', nowMs, 'LIMIT', 0, 32)) do reroom(prefix, id, nowMs) end
end

-- The room's hash with its free seats, as the store returns rooms.
local function room(prefix, roomId, free)
  local h = redis.call('HGETALL', prefix .. 'room:' .. roomId)
  h[#h + 1] = 'free'
  h[#h + 1] = tostring(math.max(0, free))
  return h
end
