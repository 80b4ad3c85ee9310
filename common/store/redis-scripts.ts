// Lua scripts for the operations that must be atomic across every Gateway and Manager.
// Server and room keys are derived inside the scripts from the key prefix, so they assume a
// single Redis (or a primary with replicas), not Redis Cluster.
//
// Room hash fields: roomId serverId address region zone maxPlayers players createdAt creator
// state (1 OPENING, 2 OPEN, 3 MOVING) want (JSON array of asked-for regions) labels (JSON of
// required labels) migrations movingSince vis (1 PRIVATE, 2 PUBLIC) mode meta (JSON) qkey
// (quick-join key) ir (region the room is listed under, while listed).
// A room's reservation (rooms +1, seats +maxPlayers) lives on serverId while serverId is set.

// Shared helpers, prepended to the scripts that place or release rooms.
const HELPERS = `
-- Placement indexes, kept by index() after every change to a server's state or reservations.
-- Servers with the same labels (zone included) form a pool:
--   {prefix}live                   set   LIVE servers
--   {prefix}pools                  hash  pool id -> its labels (JSON)
--   {prefix}poolsize               hash  pool id -> servers registered with it
--   {prefix}avail:{pool}           zset  LIVE servers of the pool with a free room slot, by free seats
--   {prefix}avail:{pool}:{region}  zset  the same, per region
local function index(prefix, id)
  local s = redis.call('HMGET', prefix .. 'server:' .. id, 'state', 'region', 'maxRooms', 'rooms', 'maxPlayers', 'seats', 'pool')
  local all = prefix .. 'avail:' .. (s[7] or '')
  local regional = all .. ':' .. (s[2] or '')
  if s[1] == '1' then
    redis.call('SADD', prefix .. 'live', id)
    if tonumber(s[4] or '0') < tonumber(s[3] or '0') then
      local free = tonumber(s[5] or '0') - tonumber(s[6] or '0')
      redis.call('ZADD', all, free, id)
      redis.call('ZADD', regional, free, id)
      return
    end
  else
    redis.call('SREM', prefix .. 'live', id)
  end
  redis.call('ZREM', all, id)
  redis.call('ZREM', regional, id)
end

local function unindex(prefix, id, region, pool)
  redis.call('SREM', prefix .. 'live', id)
  redis.call('ZREM', prefix .. 'avail:' .. (pool or ''), id)
  redis.call('ZREM', prefix .. 'avail:' .. (pool or '') .. ':' .. (region or ''), id)
end

local function leavePool(prefix, pool)
  if not pool then return end
  if redis.call('HINCRBY', prefix .. 'poolsize', pool, -1) <= 0 then
    redis.call('HDEL', prefix .. 'poolsize', pool)
    redis.call('HDEL', prefix .. 'pools', pool)
  end
end

-- Pools whose labels include every wanted one: as many as there are distinct label sets in the
-- fleet, whatever the number of servers or rooms.
local function pools(prefix, want)
  local out, all = {}, redis.call('HGETALL', prefix .. 'pools')
  for i = 1, #all, 2 do
    local have, ok = cjson.decode(all[i + 1]), true
    for k, v in pairs(want) do
      if have[k] ~= v then ok = false break end
    end
    if ok then out[#out + 1] = all[i] end
  end
  return out
end

-- Not excluded, and its stream is held by a Manager that is alive (so an open reaches it).
local function usable(prefix, id, excluded)
  if excluded[id] then return false end
  local mgr = redis.call('HGET', prefix .. 'server:' .. id, 'manager')
  return (not mgr) or mgr == '' or redis.call('EXISTS', prefix .. 'mgr:' .. mgr) == 1
end

-- The first usable server with at least \`seats\` free: the most free (distributed) or the
-- fewest that still fit (packed). O(log n) plus the few it has to skip.
local function first(prefix, set, seats, excluded, packed)
  local offset = 0
  while true do
    local ids
    if packed then
      ids = redis.call('ZRANGEBYSCORE', set, seats, '+inf', 'LIMIT', offset, 16)
    else
      ids = redis.call('ZREVRANGEBYSCORE', set, '+inf', seats, 'LIMIT', offset, 16)
    end
    if #ids == 0 then return nil end
    for _, id in ipairs(ids) do
      if usable(prefix, id, excluded) then return id end
    end
    offset = offset + #ids
  end
end

-- The strategy's best server over the matching pools' sets with this suffix (a region or none).
local function best(prefix, suffix, ps, seats, excluded, packed)
  local id, score
  for _, pool in ipairs(ps) do
    local key = prefix .. 'avail:' .. pool .. suffix
    local c = first(prefix, key, seats, excluded, packed)
    if c then
      local sc = tonumber(redis.call('ZSCORE', key, c))
      if not id or (packed and sc < score) or ((not packed) and sc > score) then id, score = c, sc end
    end
  end
  return id
end

-- regions: the ones to try, best first; then any. want: required labels.
local function pick(prefix, regions, want, seats, excluded, strategy)
  local packed = strategy == 'packed'
  local ps = pools(prefix, want)
  for _, region in ipairs(regions) do
    local b = best(prefix, ':' .. region, ps, seats, excluded, packed)
    if b then return b, nil end
  end
  local b = best(prefix, '', ps, seats, excluded, packed)
  if b then return b, nil end
  -- Nothing fits: "full" if a usable server with the labels is live at all, else "none" (only on
  -- failure, a scan).
  local matching = {}
  for _, p in ipairs(ps) do matching[p] = true end
  for _, id in ipairs(redis.call('SMEMBERS', prefix .. 'live')) do
    if matching[redis.call('HGET', prefix .. 'server:' .. id, 'pool') or ''] and usable(prefix, id, excluded) then return nil, 'full' end
  end
  return nil, 'none'
end

local function place(prefix, roomKey, roomId, id, seats)
  local skey = prefix .. 'server:' .. id
  redis.call('HINCRBY', skey, 'rooms', 1)
  redis.call('HINCRBY', skey, 'seats', seats)
  local srv = redis.call('HMGET', skey, 'address', 'region', 'zone')
  redis.call('HSET', roomKey, 'serverId', id, 'address', srv[1], 'region', srv[2], 'zone', srv[3] or '', 'players', 0)
  redis.call('SADD', skey .. ':rooms', roomId)
  index(prefix, id)
end

local function release(prefix, roomId, serverId, seats)
  local skey = prefix .. 'server:' .. serverId
  redis.call('SREM', skey .. ':rooms', roomId)
  if redis.call('EXISTS', skey) == 1 then
    local rooms = redis.call('HINCRBY', skey, 'rooms', -1)
    local used = redis.call('HINCRBY', skey, 'seats', -seats)
    if rooms < 0 then redis.call('HSET', skey, 'rooms', 0) end
    if used < 0 then redis.call('HSET', skey, 'seats', 0) end
    index(prefix, serverId)
  end
end

-- Seats: free = maxPlayers - players (seats the server counts) - live holds.
--   {prefix}holds:{roomId}  zset  player id -> when its held seat lapses (its join token expires)
--   {prefix}holdexp         zset  room id -> when its earliest hold lapses (so listings refresh)
-- Public rooms are listed, newest first, while OPEN or MOVING; joinable ones also while OPEN with a
-- free seat; quick-join queues hold OPENING and OPEN ones with a free seat, by free seats (a burst
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
  local r = redis.call('HMGET', rkey, 'state', 'vis', 'mode', 'region', 'maxPlayers', 'players', 'qkey', 'ir', 'createdAt')
  local mode, qkey = r[3] or '', r[7] or ''
  if r[8] then
    unlist(prefix, roomId, mode, r[8], qkey)
    redis.call('HDEL', rkey, 'ir')
  end
  if not r[1] then return 0 end
  local free = freeSeats(prefix, roomId, nowMs, r[5], r[6])
  if r[2] ~= '2' then return free end
  local region = r[4] or ''
  if r[1] ~= '1' then
    for _, k in ipairs(listKeys(prefix, 'ls', mode, region)) do redis.call('ZADD', k, r[9], roomId) end
  end
  if r[1] == '2' and free > 0 then
    for _, k in ipairs(listKeys(prefix, 'lj', mode, region)) do redis.call('ZADD', k, r[9], roomId) end
  end
  if r[1] ~= '3' and free > 0 then
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

local function set(list, from)
  local t = {}
  for i = from, #list do t[list[i]] = true end
  return t
end
`;

// KEYS: room key, idempotency key. ARGV: prefix, roomId, seats, nowMs, creator, useIdem ("1"/"0"),
// idemTtlMs, want regions (JSON array), strategy, openDeadlineMs, labels (JSON), visibility, mode,
// metadata (JSON), qkey, holdUntilMs, then excluded server ids.
export const ALLOCATE = HELPERS + `
local prefix, roomId, seats = ARGV[1], ARGV[2], tonumber(ARGV[3])
if ARGV[6] == '1' then
  local prior = redis.call('GET', KEYS[2])
  if prior then
    if redis.call('EXISTS', prefix .. 'room:' .. prior) == 1 then return {'existing', room(prefix, prior, freeOf(prefix, prior, tonumber(ARGV[4])))} end
  end
end
if redis.call('EXISTS', KEYS[1]) == 1 then return {'collision', {}} end
local best, why = pick(prefix, cjson.decode(ARGV[8]), cjson.decode(ARGV[11]), seats, set(ARGV, 17), ARGV[9])
if not best then return {why, {}} end
redis.call('HSET', KEYS[1], 'roomId', roomId, 'maxPlayers', seats, 'createdAt', ARGV[4], 'creator', ARGV[5],
  'state', 1, 'want', ARGV[8], 'migrations', 0, 'labels', ARGV[11], 'vis', ARGV[12], 'mode', ARGV[13], 'meta', ARGV[14],
  'qkey', ARGV[15])
place(prefix, KEYS[1], roomId, best, seats)
redis.call('ZADD', prefix .. 'opening', ARGV[10], roomId)
redis.call('ZADD', prefix .. 'holds:' .. roomId, ARGV[16], ARGV[5])
if ARGV[6] == '1' then redis.call('SET', KEYS[2], roomId, 'PX', ARGV[7]) end
return {'created', room(prefix, roomId, reroom(prefix, roomId, tonumber(ARGV[4])))}
`;

// KEYS: room key. ARGV: prefix, roomId, serverId, nowMs.
export const CONFIRM = HELPERS + `
local r = redis.call('HMGET', KEYS[1], 'serverId', 'state')
if r[1] ~= ARGV[3] then return 0 end
if r[2] == '1' then
  redis.call('HSET', KEYS[1], 'state', 2)
  redis.call('ZREM', ARGV[1] .. 'opening', ARGV[2])
  reroom(ARGV[1], ARGV[2], tonumber(ARGV[4]))
  return 1
end
if r[2] == '2' then return 1 end
return 0
`;

// KEYS: sorted set of leased work (opening or moving). ARGV: nowMs, leaseMs, limit.
export const CLAIM = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local untilMs = tonumber(ARGV[1]) + tonumber(ARGV[2])
for _, id in ipairs(ids) do redis.call('ZADD', KEYS[1], untilMs, id) end
return ids
`;

// KEYS: room key. ARGV: prefix, roomId, expected serverId or "".
export const DELETE_ROOM = HELPERS + `
local r = redis.call('HMGET', KEYS[1], 'serverId', 'maxPlayers', 'state')
if not r[3] then return 0 end
local serverId = r[1] or ''
if ARGV[3] ~= '' and serverId ~= ARGV[3] then return 0 end
forget(ARGV[1], ARGV[2])
redis.call('DEL', KEYS[1], ARGV[1] .. 'snap:' .. ARGV[2])
redis.call('ZREM', ARGV[1] .. 'opening', ARGV[2])
redis.call('ZREM', ARGV[1] .. 'moving', ARGV[2])
if serverId ~= '' then release(ARGV[1], ARGV[2], serverId, tonumber(r[2])) end
return 1
`;

// KEYS: server key, server rooms key, servers set, expiry zset. ARGV: prefix, id, address, region,
// maxRooms, maxPlayers, reportIntervalMs, nowMs, LIVE state, managerId, expiresAtMs, zone,
// labels (JSON), pool id, pool labels (JSON, zone included).
export const REGISTER = HELPERS + `
local prefix = table.remove(ARGV, 1)
local old = redis.call('HMGET', KEYS[1], 'region', 'pool')
if old[1] and (old[1] ~= ARGV[3] or old[2] ~= ARGV[13]) then unindex(prefix, ARGV[1], old[1], old[2]) end
if old[2] ~= ARGV[13] then
  leavePool(prefix, old[2])
  redis.call('HINCRBY', prefix .. 'poolsize', ARGV[13], 1)
  redis.call('HSET', prefix .. 'pools', ARGV[13], ARGV[14])
end
local epoch = redis.call('HINCRBY', KEYS[1], 'epoch', 1)
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'address', ARGV[2], 'region', ARGV[3], 'maxRooms', ARGV[4],
  'maxPlayers', ARGV[5], 'reportIntervalMs', ARGV[6], 'reportAt', ARGV[7], 'state', ARGV[8], 'manager', ARGV[9],
  'zone', ARGV[11], 'labels', ARGV[12], 'pool', ARGV[13])
redis.call('HSETNX', KEYS[1], 'rooms', 0)
redis.call('HSETNX', KEYS[1], 'seats', 0)
redis.call('HSETNX', KEYS[1], 'players', 0)
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[10], ARGV[1])
index(prefix, ARGV[1])
return {epoch, redis.call('SMEMBERS', KEYS[2])}
`;

// KEYS: server key. ARGV: prefix, id, epoch, state. Only while the epoch holds.
export const SET_STATE = HELPERS + `
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[3] then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[4])
index(ARGV[1], ARGV[2])
return 1
`;

// KEYS: server key, server rooms key, servers set, expiry zset. ARGV: prefix, id, epoch, nowMs.
// Open rooms become MOVING (claimable at once); rooms never confirmed are removed.
export const REMOVE_SERVER = HELPERS + `
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[3] then return false end
local prefix = ARGV[1]
local srv = redis.call('HMGET', KEYS[1], 'region', 'pool')
unindex(prefix, ARGV[2], srv[1], srv[2])
leavePool(prefix, srv[2])
local moving, dropped = {}, {}
for _, roomId in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local rkey = prefix .. 'room:' .. roomId
  local state = redis.call('HGET', rkey, 'state')
  if state == '1' then
    forget(prefix, roomId)
    redis.call('DEL', rkey, prefix .. 'snap:' .. roomId)
    redis.call('ZREM', prefix .. 'opening', roomId)
    dropped[#dropped + 1] = roomId
  elseif state then
    if state ~= '3' then redis.call('HSET', rkey, 'movingSince', ARGV[4]) end
    redis.call('HSET', rkey, 'state', 3, 'serverId', '', 'address', '', 'players', 0)
    redis.call('ZADD', prefix .. 'moving', 0, roomId)
    reroom(prefix, roomId, tonumber(ARGV[4]))
    moving[#moving + 1] = roomId
  end
end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('SREM', KEYS[3], ARGV[2])
redis.call('ZREM', KEYS[4], ARGV[2])
return {moving, dropped}
`;

// KEYS: server key, expiry zset. ARGV: id, epoch, players, nowMs, expiresAtMs.
export const RECORD_LOAD = `
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'players', ARGV[3], 'reportAt', ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
return 1
`;

// KEYS: room key. ARGV: prefix, roomId, serverId, count, nowMs, then the players who joined.
export const SET_ROOM_PLAYERS = HELPERS + `
if redis.call('HGET', KEYS[1], 'serverId') ~= ARGV[3] then return 0 end
redis.call('HSET', KEYS[1], 'players', ARGV[4])
for i = 6, #ARGV do redis.call('ZREM', ARGV[1] .. 'holds:' .. ARGV[2], ARGV[i]) end
reroom(ARGV[1], ARGV[2], tonumber(ARGV[5]))
return 1
`;

// KEYS: room key. ARGV: prefix, roomId, playerId, untilMs, nowMs, rejoin ("1"/"0").
export const HOLD_SEAT = HELPERS + `
local prefix, roomId, nowMs = ARGV[1], ARGV[2], tonumber(ARGV[5])
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'missing', {}} end
if state ~= '2' then return {'unavailable', room(prefix, roomId, freeOf(prefix, roomId, nowMs))} end
local hk = prefix .. 'holds:' .. roomId
local free = freeOf(prefix, roomId, nowMs)
if ARGV[6] ~= '1' and redis.call('ZSCORE', hk, ARGV[3]) == false and free <= 0 then return {'full', room(prefix, roomId, free)} end
redis.call('ZADD', hk, ARGV[4], ARGV[3])
return {'held', room(prefix, roomId, reroom(prefix, roomId, nowMs))}
`;

// KEYS: none. ARGV: prefix, qkey, playerId, untilMs, nowMs, then regions (none: any).
export const JOIN_PUBLIC = HELPERS + `
local prefix, nowMs = ARGV[1], tonumber(ARGV[5])
lapse(prefix, nowMs)
local regions = {}
for i = 6, #ARGV do regions[#regions + 1] = ARGV[i] end
if #regions == 0 then regions = {'*'} end
for _, region in ipairs(regions) do
  local key = prefix .. 'q:' .. ARGV[2] .. ':' .. region
  -- Fullest first, so rooms fill up rather than many rooms each holding a few players.
  for _ = 1, 8 do
    local ids = redis.call('ZRANGEBYSCORE', key, 1, '+inf', 'LIMIT', 0, 1)
    if #ids == 0 then break end
    local roomId = ids[1]
    if reroom(prefix, roomId, nowMs) > 0 then
      redis.call('ZADD', prefix .. 'holds:' .. roomId, ARGV[4], ARGV[3])
      return room(prefix, roomId, reroom(prefix, roomId, nowMs))
    end
  end
end
return false
`;

// KEYS: the listing. ARGV: prefix, nowMs, max score ("+inf" for the first page), id of the last
// room of the previous page ("" for none), limit. Returns up to limit + 1 (id, score) pairs,
// newest first.
export const LIST_PAGE = HELPERS + `
lapse(ARGV[1], tonumber(ARGV[2]))
local out, offset, limit = {}, 0, tonumber(ARGV[5])
while #out <= limit * 2 do
  local batch = redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[3], '-inf', 'WITHSCORES', 'LIMIT', offset, 64)
  if #batch == 0 then break end
  for i = 1, #batch, 2 do
    -- Rooms created in the same millisecond come in reverse id order; resume after the last one.
    if ARGV[4] == '' or batch[i + 1] ~= ARGV[3] or batch[i] < ARGV[4] then
      out[#out + 1] = batch[i]
      out[#out + 1] = batch[i + 1]
      if #out > limit * 2 then break end
    end
  end
  offset = offset + #batch / 2
end
return out
`;

// KEYS: room key, snapshot key. ARGV: serverId, snapshot.
export const SAVE_SNAPSHOT = `
local r = redis.call('HMGET', KEYS[1], 'serverId', 'state')
if r[1] ~= ARGV[1] or r[2] ~= '2' then return 0 end
redis.call('SET', KEYS[2], ARGV[2])
return 1
`;

// KEYS: room key. ARGV: prefix, roomId, serverId, hasSnapshot, snapshot, nowMs, leaseMs.
export const HAND_OVER = HELPERS + `
local r = redis.call('HMGET', KEYS[1], 'serverId', 'state', 'maxPlayers')
if r[1] ~= ARGV[3] or r[2] ~= '2' then return 0 end
if ARGV[4] == '1' then redis.call('SET', ARGV[1] .. 'snap:' .. ARGV[2], ARGV[5]) end
release(ARGV[1], ARGV[2], ARGV[3], tonumber(r[3]))
redis.call('HSET', KEYS[1], 'state', 3, 'serverId', '', 'address', '', 'players', 0, 'movingSince', ARGV[6])
redis.call('ZADD', ARGV[1] .. 'moving', tonumber(ARGV[6]) + tonumber(ARGV[7]), ARGV[2])
reroom(ARGV[1], ARGV[2], tonumber(ARGV[6]))
return 1
`;

// KEYS: room key. ARGV: prefix, roomId, strategy, nowMs, then excluded server ids. The room keeps
// its own wanted regions and labels.
export const MOVE_ROOM = HELPERS + `
local prefix, roomId = ARGV[1], ARGV[2]
local r = redis.call('HMGET', KEYS[1], 'state', 'serverId', 'maxPlayers', 'want', 'movingSince', 'labels')
if r[1] ~= '3' then return {'gone', ''} end
local seats = tonumber(r[3])
if r[2] and r[2] ~= '' then
  release(prefix, roomId, r[2], seats)
  redis.call('HSET', KEYS[1], 'serverId', '', 'address', '')
end
-- Rooms placed before regions became a list hold one region name.
local want = r[4] or '[]'
if string.sub(want, 1, 1) ~= '[' then want = cjson.encode({want}) end
local best, why = pick(prefix, cjson.decode(want), cjson.decode(r[6] or '{}'), seats, set(ARGV, 5), ARGV[3])
if not best then return {why, r[5] or ARGV[4]} end
place(prefix, KEYS[1], roomId, best, seats)
return {'placed', room(prefix, roomId, reroom(prefix, roomId, tonumber(ARGV[4])))}
`;

// KEYS: room key. ARGV: prefix, roomId, serverId, nowMs.
export const FINISH_MOVE = HELPERS + `
local r = redis.call('HMGET', KEYS[1], 'state', 'serverId')
if r[1] ~= '3' or r[2] ~= ARGV[3] then return 0 end
redis.call('HSET', KEYS[1], 'state', 2)
redis.call('HINCRBY', KEYS[1], 'migrations', 1)
redis.call('HDEL', KEYS[1], 'movingSince')
redis.call('ZREM', ARGV[1] .. 'moving', ARGV[2])
reroom(ARGV[1], ARGV[2], tonumber(ARGV[4]))
return 1
`;
