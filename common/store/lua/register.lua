-- Creates or refreshes a server as LIVE, bumps its epoch and keeps its reservations; returns the
-- new epoch and the rooms mapped to it.
--- @include "server-index"
local serverKey = KEYS[1]
local roomsKey = KEYS[2]
local serversKey = KEYS[3]
local expiryKey = KEYS[4]
local prefix = ARGV[1]
local id = ARGV[2]
local address = ARGV[3]
local region = ARGV[4]
local maxRooms = ARGV[5]
local maxPlayers = ARGV[6]
local reportIntervalMs = ARGV[7]
local nowMs = ARGV[8]
local managerId = ARGV[9]
local expiresAtMs = ARGV[10]
local zone = ARGV[11]
local labels = ARGV[12]          -- JSON, canonical
local pool = ARGV[13]            -- id of the server's label set (zone included)
local poolLabels = ARGV[14]      -- JSON of that set
local tok = ARGV[15]             -- '1' when it opens new rooms on their first join token
local givenEpoch = tonumber(ARGV[16])  -- from a wider counter (a cell store's); 0: this store's own

local old = redis.call('HMGET', serverKey, 'region', 'pool')
if old[1] and (old[1] ~= region or old[2] ~= pool) then unindex(prefix, id, old[1], old[2]) end
if old[2] ~= pool then
  leavePool(prefix, old[2])
  redis.call('HINCRBY', prefix .. 'poolsize', pool, 1)
  redis.call('HSET', prefix .. 'pools', pool, poolLabels)
end
-- One counter for every server: a server removed (its hash gone) and registered again gets a new
-- epoch, never one a late message of its buried life still names. Above the server's own, for a
-- store whose servers were registered before the counter existed.
local ownEpoch = tonumber(redis.call('HGET', serverKey, 'epoch') or '0')
local epoch = givenEpoch
if epoch == 0 then epoch = redis.call('INCR', prefix .. 'epoch') end
if epoch <= ownEpoch then
  epoch = ownEpoch + 1
  if givenEpoch == 0 then redis.call('SET', prefix .. 'epoch', epoch) end
end
redis.call('HSET', serverKey, 'epoch', epoch, 'id', id, 'address', address, 'region', region, 'maxRooms', maxRooms,
  'maxPlayers', maxPlayers, 'reportIntervalMs', reportIntervalMs, 'reportAt', nowMs, 'state', SERVER_LIVE, 'manager', managerId,
  'zone', zone, 'labels', labels, 'pool', pool, 'tok', tok)
redis.call('HSETNX', serverKey, 'rooms', 0)
redis.call('HSETNX', serverKey, 'seats', 0)
redis.call('HSETNX', serverKey, 'players', 0)
redis.call('SADD', serversKey, id)
redis.call('ZADD', expiryKey, expiresAtMs, id)
index(prefix, id)
return {epoch, redis.call('HKEYS', roomsKey)}
