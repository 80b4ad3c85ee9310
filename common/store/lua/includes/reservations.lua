-- A room's reservation (rooms +1, seats +maxPlayers) lives on its serverId while serverId is set.
--- @include "server-index"

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
