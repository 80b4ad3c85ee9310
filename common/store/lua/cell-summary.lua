-- A cell's free capacity, for choosing where to allocate (never for the allocation itself, which
-- checks again atomically): free seats on LIVE servers with a free room slot, and how many such
-- servers. Reads every pool's availability set: a cell holds a bounded number of servers.
local poolsKey = KEYS[1]
local prefix = ARGV[1]

local seats, servers = 0, 0
for _, pool in ipairs(redis.call('HKEYS', poolsKey)) do
  local avail = redis.call('ZRANGE', prefix .. 'avail:' .. pool, 0, -1, 'WITHSCORES')
  for i = 2, #avail, 2 do
    seats = seats + tonumber(avail[i])
    servers = servers + 1
  end
end
return {seats, servers}
