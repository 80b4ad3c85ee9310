// Lua scripts for the operations that must be atomic across every Gateway and Manager.
// Server and room keys are derived inside the scripts from the key prefix, so they assume a
// single Redis (or a primary with replicas), not Redis Cluster.

// KEYS: room key, idempotency key. ARGV: prefix, roomId, maxPlayers, nowMs, creator,
// useIdem ("1"/"0"), idemTtlMs, then pairs of (serverId, tier), ordered by tier.
export const ALLOCATE = `
local prefix = ARGV[1]
local roomId = ARGV[2]
local seats = tonumber(ARGV[3])
if ARGV[6] == '1' then
  local prior = redis.call('GET', KEYS[2])
  if prior then
    local r = redis.call('HGETALL', prefix .. 'room:' .. prior)
    if #r > 0 then return {'existing', r} end
  end
end
if redis.call('EXISTS', KEYS[1]) == 1 then return {'collision', {}} end
local best, bestLoad, bestTier, bestKey
for i = 8, #ARGV, 2 do
  local tier = tonumber(ARGV[i + 1])
  if best and tier > bestTier then break end
  local key = prefix .. 'server:' .. ARGV[i]
  local s = redis.call('HMGET', key, 'state', 'maxRooms', 'maxPlayers', 'rooms', 'seats')
  if s[1] == '1' then
    local maxRooms, maxSeats = tonumber(s[2]), tonumber(s[3])
    local rooms, used = tonumber(s[4] or '0'), tonumber(s[5] or '0')
    if rooms + 1 <= maxRooms and used + seats <= maxSeats then
      local load = math.max(rooms / maxRooms, used / maxSeats)
      if not best or load < bestLoad then
        best, bestLoad, bestTier, bestKey = ARGV[i], load, tier, key
      end
    end
  end
end
if not best then return {'full', {}} end
redis.call('HINCRBY', bestKey, 'rooms', 1)
redis.call('HINCRBY', bestKey, 'seats', seats)
local srv = redis.call('HMGET', bestKey, 'address', 'region')
redis.call('HSET', KEYS[1], 'roomId', roomId, 'serverId', best, 'address', srv[1], 'region', srv[2],
  'maxPlayers', seats, 'players', 0, 'createdAt', ARGV[4], 'creator', ARGV[5])
redis.call('SADD', prefix .. 'server:' .. best .. ':rooms', roomId)
if ARGV[6] == '1' then redis.call('SET', KEYS[2], roomId, 'PX', ARGV[7]) end
return {'created', redis.call('HGETALL', KEYS[1])}
`;

// KEYS: room key. ARGV: prefix, roomId, expected serverId or "".
export const DELETE_ROOM = `
local r = redis.call('HMGET', KEYS[1], 'serverId', 'maxPlayers')
if not r[1] then return 0 end
if ARGV[3] ~= '' and r[1] ~= ARGV[3] then return 0 end
redis.call('DEL', KEYS[1])
local skey = ARGV[1] .. 'server:' .. r[1]
redis.call('SREM', skey .. ':rooms', ARGV[2])
if redis.call('EXISTS', skey) == 1 then
  local rooms = redis.call('HINCRBY', skey, 'rooms', -1)
  local seats = redis.call('HINCRBY', skey, 'seats', -tonumber(r[2]))
  if rooms < 0 then redis.call('HSET', skey, 'rooms', 0) end
  if seats < 0 then redis.call('HSET', skey, 'seats', 0) end
end
return 1
`;

// KEYS: server key, server rooms key, servers set. ARGV: id, address, region, maxRooms,
// maxPlayers, reportIntervalMs, nowMs, LIVE state.
export const REGISTER = `
local epoch = redis.call('HINCRBY', KEYS[1], 'epoch', 1)
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'address', ARGV[2], 'region', ARGV[3], 'maxRooms', ARGV[4],
  'maxPlayers', ARGV[5], 'reportIntervalMs', ARGV[6], 'reportAt', ARGV[7], 'state', ARGV[8])
redis.call('HSETNX', KEYS[1], 'rooms', 0)
redis.call('HSETNX', KEYS[1], 'seats', 0)
redis.call('HSETNX', KEYS[1], 'players', 0)
redis.call('SADD', KEYS[3], ARGV[1])
return {epoch, redis.call('SMEMBERS', KEYS[2])}
`;

// KEYS: server key. ARGV: epoch, then field/value pairs to set while the epoch holds.
export const SET_IF_EPOCH = `
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[1] then return 0 end
for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 1
`;

// KEYS: server key, server rooms key, servers set. ARGV: prefix, id, epoch.
export const REMOVE_SERVER = `
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[3] then return false end
local rooms = redis.call('SMEMBERS', KEYS[2])
for _, roomId in ipairs(rooms) do redis.call('DEL', ARGV[1] .. 'room:' .. roomId) end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('SREM', KEYS[3], ARGV[2])
return rooms
`;

// KEYS: room key. ARGV: serverId, count.
export const SET_ROOM_PLAYERS = `
if redis.call('HGET', KEYS[1], 'serverId') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'players', ARGV[2])
return 1
`;
