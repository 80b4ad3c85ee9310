// Lua scripts for the operations that must be atomic across every Gateway and Manager.
// Server and room keys are derived inside the scripts from the key prefix, so they assume a
// single Redis (or a primary with replicas), not Redis Cluster.
//
// Room hash fields: roomId serverId address region maxPlayers players createdAt creator
// state (1 OPENING, 2 OPEN, 3 MOVING) want (asked-for region) migrations movingSince.
// A room's reservation (rooms +1, seats +maxPlayers) lives on serverId while serverId is set.

// Shared helpers, prepended to the scripts that place or release rooms.
const HELPERS = `
-- Placement indexes, kept by index() after every change to a server's state or reservations:
--   {prefix}live            set   LIVE servers
--   {prefix}avail           zset  LIVE servers with a free room slot, scored by free seats
--   {prefix}avail:{region}  zset  the same, per region
local function index(prefix, id)
  local s = redis.call('HMGET', prefix .. 'server:' .. id, 'state', 'region', 'maxRooms', 'rooms', 'maxPlayers', 'seats')
  local regional = prefix .. 'avail:' .. (s[2] or '')
  if s[1] == '1' then
    redis.call('SADD', prefix .. 'live', id)
    if tonumber(s[4] or '0') < tonumber(s[3] or '0') then
      local free = tonumber(s[5] or '0') - tonumber(s[6] or '0')
      redis.call('ZADD', prefix .. 'avail', free, id)
      redis.call('ZADD', regional, free, id)
      return
    end
  else
    redis.call('SREM', prefix .. 'live', id)
  end
  redis.call('ZREM', prefix .. 'avail', id)
  redis.call('ZREM', regional, id)
end

local function unindex(prefix, id, region)
  redis.call('SREM', prefix .. 'live', id)
  redis.call('ZREM', prefix .. 'avail', id)
  redis.call('ZREM', prefix .. 'avail:' .. (region or ''), id)
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

local function pick(prefix, want, seats, excluded, strategy)
  local packed = strategy == 'packed'
  local best
  if want ~= '' then best = first(prefix, prefix .. 'avail:' .. want, seats, excluded, packed) end
  if not best then best = first(prefix, prefix .. 'avail', seats, excluded, packed) end
  if best then return best, nil end
  -- Nothing fits: "full" if any usable server is live at all, else "none" (only on failure, a scan).
  for _, id in ipairs(redis.call('SMEMBERS', prefix .. 'live')) do
    if usable(prefix, id, excluded) then return nil, 'full' end
  end
  return nil, 'none'
end

local function place(prefix, roomKey, roomId, id, seats)
  local skey = prefix .. 'server:' .. id
  redis.call('HINCRBY', skey, 'rooms', 1)
  redis.call('HINCRBY', skey, 'seats', seats)
  local srv = redis.call('HMGET', skey, 'address', 'region')
  redis.call('HSET', roomKey, 'serverId', id, 'address', srv[1], 'region', srv[2], 'players', 0)
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

local function set(list, from)
  local t = {}
  for i = from, #list do t[list[i]] = true end
  return t
end
`;

// KEYS: room key, idempotency key. ARGV: prefix, roomId, seats, nowMs, creator, useIdem ("1"/"0"),
// idemTtlMs, want region, strategy, openDeadlineMs, then excluded server ids.
export const ALLOCATE = HELPERS + `
local prefix, roomId, seats = ARGV[1], ARGV[2], tonumber(ARGV[3])
if ARGV[6] == '1' then
  local prior = redis.call('GET', KEYS[2])
  if prior then
    local r = redis.call('HGETALL', prefix .. 'room:' .. prior)
    if #r > 0 then return {'existing', r} end
  end
end
if redis.call('EXISTS', KEYS[1]) == 1 then return {'collision', {}} end
local best, why = pick(prefix, ARGV[8], seats, set(ARGV, 11), ARGV[9])
if not best then return {why, {}} end
redis.call('HSET', KEYS[1], 'roomId', roomId, 'maxPlayers', seats, 'createdAt', ARGV[4], 'creator', ARGV[5],
  'state', 1, 'want', ARGV[8], 'migrations', 0)
place(prefix, KEYS[1], roomId, best, seats)
redis.call('ZADD', prefix .. 'opening', ARGV[10], roomId)
if ARGV[6] == '1' then redis.call('SET', KEYS[2], roomId, 'PX', ARGV[7]) end
return {'created', redis.call('HGETALL', KEYS[1])}
`;

// KEYS: room key. ARGV: prefix, roomId, serverId.
export const CONFIRM = `
local r = redis.call('HMGET', KEYS[1], 'serverId', 'state')
if r[1] ~= ARGV[3] then return 0 end
if r[2] == '1' then
  redis.call('HSET', KEYS[1], 'state', 2)
  redis.call('ZREM', ARGV[1] .. 'opening', ARGV[2])
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
redis.call('DEL', KEYS[1], ARGV[1] .. 'snap:' .. ARGV[2])
redis.call('ZREM', ARGV[1] .. 'opening', ARGV[2])
redis.call('ZREM', ARGV[1] .. 'moving', ARGV[2])
if serverId ~= '' then release(ARGV[1], ARGV[2], serverId, tonumber(r[2])) end
return 1
`;

// KEYS: server key, server rooms key, servers set, expiry zset. ARGV: prefix, id, address, region,
// maxRooms, maxPlayers, reportIntervalMs, nowMs, LIVE state, managerId, expiresAtMs.
export const REGISTER = HELPERS + `
local prefix = table.remove(ARGV, 1)
local oldRegion = redis.call('HGET', KEYS[1], 'region')
if oldRegion and oldRegion ~= ARGV[3] then unindex(prefix, ARGV[1], oldRegion) end
local epoch = redis.call('HINCRBY', KEYS[1], 'epoch', 1)
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'address', ARGV[2], 'region', ARGV[3], 'maxRooms', ARGV[4],
  'maxPlayers', ARGV[5], 'reportIntervalMs', ARGV[6], 'reportAt', ARGV[7], 'state', ARGV[8], 'manager', ARGV[9])
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
unindex(prefix, ARGV[2], redis.call('HGET', KEYS[1], 'region'))
local moving, dropped = {}, {}
for _, roomId in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local rkey = prefix .. 'room:' .. roomId
  local state = redis.call('HGET', rkey, 'state')
  if state == '1' then
    redis.call('DEL', rkey, prefix .. 'snap:' .. roomId)
    redis.call('ZREM', prefix .. 'opening', roomId)
    dropped[#dropped + 1] = roomId
  elseif state then
    if state ~= '3' then redis.call('HSET', rkey, 'movingSince', ARGV[4]) end
    redis.call('HSET', rkey, 'state', 3, 'serverId', '', 'address', '', 'players', 0)
    redis.call('ZADD', prefix .. 'moving', 0, roomId)
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

// KEYS: room key. ARGV: serverId, count.
export const SET_ROOM_PLAYERS = `
if redis.call('HGET', KEYS[1], 'serverId') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'players', ARGV[2])
return 1
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
return 1
`;

// KEYS: room key. ARGV: prefix, roomId, want region ("" keeps the room's own), strategy, nowMs,
// then excluded server ids.
export const MOVE_ROOM = HELPERS + `
local prefix, roomId = ARGV[1], ARGV[2]
local r = redis.call('HMGET', KEYS[1], 'state', 'serverId', 'maxPlayers', 'want', 'movingSince')
if r[1] ~= '3' then return {'gone', ''} end
local seats = tonumber(r[3])
if r[2] and r[2] ~= '' then
  release(prefix, roomId, r[2], seats)
  redis.call('HSET', KEYS[1], 'serverId', '', 'address', '')
end
local want = ARGV[3]
if want == '' then want = r[4] or '' end
local best, why = pick(prefix, want, seats, set(ARGV, 6), ARGV[4])
if not best then return {why, r[5] or ARGV[5]} end
place(prefix, KEYS[1], roomId, best, seats)
return {'placed', redis.call('HGETALL', KEYS[1])}
`;

// KEYS: room key. ARGV: prefix, roomId, serverId.
export const FINISH_MOVE = `
local r = redis.call('HMGET', KEYS[1], 'state', 'serverId')
if r[1] ~= '3' or r[2] ~= ARGV[3] then return 0 end
redis.call('HSET', KEYS[1], 'state', 2)
redis.call('HINCRBY', KEYS[1], 'migrations', 1)
redis.call('HDEL', KEYS[1], 'movingSince')
redis.call('ZREM', ARGV[1] .. 'moving', ARGV[2])
return 1
`;
