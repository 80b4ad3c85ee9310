-- A room's reservation (rooms +1, seats +maxPlayers) lives on its server (the room's sv) while
-- it has one. A server's rooms:
--   {prefix}server:{id}:rooms  hash  room id -> '' (a hash, not a set: up to hash-max-listpack-entries
--                              rooms, 512 by default, it is a listpack of ~30 B per room; a set of
--                              room ids is a hashtable of ~70 B per room before Redis 7.2)
--- @include "server-index"

local function place(prefix, roomKey, roomId, id, seats)
  local skey = prefix .. 'server:' .. id
  redis.call('HINCRBY', skey, 'rooms', 1)
  redis.call('HINCRBY', skey, 'seats', seats)
  redis.call('HSET', roomKey, 'sv', id)
  redis.call('HDEL', roomKey, 'pl', 'rg', 'zn')
  redis.call('HSET', skey .. ':rooms', roomId, '')
  index(prefix, id)
end

local function release(prefix, roomId, serverId, seats)
  local skey = prefix .. 'server:' .. serverId
  redis.call('HDEL', skey .. ':rooms', roomId)
  if redis.call('EXISTS', skey) == 1 then
    local rooms = redis.call('HINCRBY', skey, 'rooms', -1)
    local used = redis.call('HINCRBY', skey, 'seats', -seats)
    if rooms < 0 then redis.call('HSET', skey, 'rooms', 0) end
    if used < 0 then redis.call('HSET', skey, 'seats', 0) end
    index(prefix, serverId)
  end
end

-- The room has no server any more (its reservation is released apart): it keeps that server's
-- region and zone, where readers and listings still see it.
local function unplace(prefix, roomKey, serverId)
  local srv = redis.call('HMGET', prefix .. 'server:' .. serverId, 'region', 'zone')
  redis.call('HDEL', roomKey, 'sv', 'pl', 'zn')
  redis.call('HSET', roomKey, 'rg', srv[1] or '')
  if srv[2] and srv[2] ~= '' then redis.call('HSET', roomKey, 'zn', srv[2]) end
end
