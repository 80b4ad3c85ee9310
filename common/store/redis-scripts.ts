// Lua scripts for the operations that must be atomic across every Gateway and Manager.
// Server and room keys are derived inside the scripts from the key prefix, so they assume a
// single Redis (or a primary with replicas), not Redis Cluster.
//
// Room hash fields: roomId serverId address region maxPlayers players createdAt creator
// state (1 OPENING, 2 OPEN, 3 MOVING) want (asked-for region) migrations movingSince.
// A room's reservation (rooms +1, seats +maxPlayers) lives on serverId while serverId is set.

// Shared helpers, prepended to the scripts that place or release rooms.
const HELPERS = `
local function pick(prefix, want, seats, excluded, seed)
  local ids = redis.call('SMEMBERS', prefix .. 'servers')
  local n = #ids
  local best, bestTier, bestLoad, live = nil, 2, 2, false
  for k = 0, n - 1 do
    local id = ids[((seed + k) % n) + 1]
    if not excluded[id] then
      local s = redis.call('HMGET', prefix .. 'server:' .. id, 'state', 'region', 'maxRooms', 'maxPlayers', 'rooms', 'seats', 'manager')
      -- Live, and its stream is held by a Manager that is itself alive (so an open reaches it).
      if s[1] == '1' and (not s[7] or s[7] == '' or redis.call('EXISTS', prefix .. 'mgr:' .. s[7]) == 1) then
        live = true
        local maxRooms, maxSeats = tonumber(s[3]), tonumber(s[4])
        local rooms, used = tonumber(s[5] or '0'), tonumber(s[6] or '0')
        if rooms + 1 <= maxRooms and used + seats <= maxSeats then
          local tier = 1
          if want == '' or s[2] == want then tier = 0 end
          local load = math.max(rooms / maxRooms, used / maxSeats)
          if tier < bestTier or (tier == bestTier and load < bestLoad) then
            best, bestTier, bestLoad = id, tier, load
          end
        end
      end
    end
  end
  if best then return best, nil end
  if live then return nil, 'full' end
  return nil, 'none'
end

local function place(prefix, roomKey, roomId, id, seats)
  local skey = prefix .. 'server:' .. id
  redis.call('HINCRBY', skey, 'rooms', 1)
  redis.call('HINCRBY', skey, 'seats', seats)
  local srv = redis.call('HMGET', skey, 'address', 'region')
  redis.call('HSET', roomKey, 'serverId', id, 'address', srv[1], 'region', srv[2], 'players', 0)
  redis.call('SADD', skey .. ':rooms', roomId)
end

local function release(prefix, roomId, serverId, seats)
  local skey = prefix .. 'server:' .. serverId
  redis.call('SREM', skey .. ':rooms', roomId)
  if redis.call('EXISTS', skey) == 1 then
    local rooms = redis.call('HINCRBY', skey, 'rooms', -1)
    local used = redis.call('HINCRBY', skey, 'seats', -seats)
    if rooms < 0 then redis.call('HSET', skey, 'rooms', 0) end
    if used < 0 then redis.call('HSET', skey, 'seats', 0) end
  end
end

local function set(list, from)
  local t = {}
  for i = from, #list do t[list[i]] = true end
  return t
end
`;

// KEYS: room key, idempotency key. ARGV: prefix, roomId, seats, nowMs, creator, useIdem ("1"/"0"),
// idemTtlMs, want region, seed, openDeadlineMs, then excluded server ids.
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
local best, why = pick(prefix, ARGV[8], seats, set(ARGV, 11), tonumber(ARGV[9]))
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

// KEYS: server key, server rooms key, servers set, expiry zset. ARGV: id, address, region,
// maxRooms, maxPlayers, reportIntervalMs, nowMs, LIVE state, managerId, expiresAtMs.
export const REGISTER = `
local epoch = redis.call('HINCRBY', KEYS[1], 'epoch', 1)
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'address', ARGV[2], 'region', ARGV[3], 'maxRooms', ARGV[4],
  'maxPlayers', ARGV[5], 'reportIntervalMs', ARGV[6], 'reportAt', ARGV[7], 'state', ARGV[8], 'manager', ARGV[9])
redis.call('HSETNX', KEYS[1], 'rooms', 0)
redis.call('HSETNX', KEYS[1], 'seats', 0)
redis.call('HSETNX', KEYS[1], 'players', 0)
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[10], ARGV[1])
return {epoch, redis.call('SMEMBERS', KEYS[2])}
`;

// KEYS: server key. ARGV: epoch, then field/value pairs to set while the epoch holds.
export const SET_IF_EPOCH = `
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[1] then return 0 end
for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 1
`;

// KEYS: server key, server rooms key, servers set, expiry zset. ARGV: prefix, id, epoch, nowMs.
// Open rooms become MOVING (claimable at once); rooms never confirmed are removed.
export const REMOVE_SERVER = `
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[3] then return false end
local prefix = ARGV[1]
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

// KEYS: room key. ARGV: prefix, roomId, want region ("" keeps the room's own), seed, nowMs, then
// excluded server ids.
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
local best, why = pick(prefix, want, seats, set(ARGV, 6), tonumber(ARGV[4]))
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
