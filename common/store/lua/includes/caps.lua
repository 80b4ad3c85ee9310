-- Per-caller caps (common/store/caps.ts): what each caller was given, each until its window ends.
--   {prefix}cap:rooms:{holder}  zset  room id -> when its first-join window ends
--   {prefix}cap:seats:{holder}  zset  "roomId playerId" -> when the hold lapses
-- ({holder} is a hash of the caller's id.) Each entry is checked against the room when counted,
-- so a join, a used seat, a lapsed hold or a deleted room frees its place with no bookkeeping in
-- the scripts that do those. A set never holds more than its cap: nothing is added past it.

local function unjoinedRooms(prefix, holder, nowMs)
  local key = prefix .. 'cap:rooms:' .. holder
  redis.call('ZREMRANGEBYSCORE', key, '-inf', nowMs)
  local n = 0
  for _, id in ipairs(redis.call('ZRANGE', key, 0, -1)) do
    local r = redis.call('HMGET', prefix .. 'room:' .. id, 's', 'j')
    if r[1] and not r[2] then n = n + 1 else redis.call('ZREM', key, id) end
  end
  return n
end

local function unusedSeats(prefix, holder, nowMs)
  local key = prefix .. 'cap:seats:' .. holder
  redis.call('ZREMRANGEBYSCORE', key, '-inf', nowMs)
  local n = 0
  for _, seat in ipairs(redis.call('ZRANGE', key, 0, -1)) do
    local sp = string.find(seat, ' ', 1, true)
    local untilMs = redis.call('HGET', prefix .. 'room:' .. string.sub(seat, 1, sp - 1), '@' .. string.sub(seat, sp + 1))
    if untilMs and tonumber(untilMs) > nowMs then n = n + 1 else redis.call('ZREM', key, seat) end
  end
  return n
end

-- The cap ('rooms' or 'seats') the holder is at, of those asked about; false when it may have one more.
local function overCap(prefix, holder, nowMs, maxRooms, maxSeats, wantsRoom)
  if holder == '' then return false end
  if wantsRoom and maxRooms > 0 and unjoinedRooms(prefix, holder, nowMs) >= maxRooms then return 'rooms' end
  if maxSeats > 0 and unusedSeats(prefix, holder, nowMs) >= maxSeats then return 'seats' end
  return false
end

-- Keys of callers that stop calling go a moment after their last entry's window (on the Redis
-- clock, so only roughly; counting never relies on it).
local function give(key, member, untilMs, nowMs)
  redis.call('ZADD', key, untilMs, member)
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  redis.call('PEXPIRE', key, math.max(1, tonumber(last[2]) - nowMs) + 1000)
end

local function giveRoom(prefix, holder, maxRooms, roomId, untilMs, nowMs)
  if holder == '' or maxRooms <= 0 then return end
  give(prefix .. 'cap:rooms:' .. holder, roomId, untilMs, nowMs)
end

local function giveSeat(prefix, holder, maxSeats, roomId, playerId, untilMs, nowMs)
  if holder == '' or maxSeats <= 0 then return end
  give(prefix .. 'cap:seats:' .. holder, roomId .. ' ' .. playerId, untilMs, nowMs)
end
