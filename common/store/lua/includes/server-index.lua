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
  if s[1] == SERVER_LIVE then
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
