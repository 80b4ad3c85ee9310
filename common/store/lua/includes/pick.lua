-- Choosing a server for a room over the placement indexes (see server-index.lua).

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

-- A pick's context: prefix, excluded (set of ids), self (the asking Manager's id, or ''), and
-- silent, set when a server that fits was passed over only because its Manager is not heard from.
-- Not excluded, and its stream is held by a Manager that is alive (so an open reaches it). The
-- Manager asking is alive whatever the store holds: after a Redis restart every heartbeat key has
-- expired until each Manager's next sweep writes it again.
local function usable(ctx, id)
  if ctx.excluded[id] then return false end
  local mgr = redis.call('HGET', ctx.prefix .. 'server:' .. id, 'manager')
  if (not mgr) or mgr == '' or mgr == ctx.self or redis.call('EXISTS', ctx.prefix .. 'mgr:' .. mgr) == 1 then
    return true
  end
  ctx.silent = true
  return false
end

-- The first usable server with at least `seats` free: the most free (distributed) or the
-- fewest that still fit (packed). O(log n) plus the few it has to skip.
local function first(ctx, set, seats, packed)
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
      if usable(ctx, id) then return id end
    end
    offset = offset + #ids
  end
end

-- The strategy's best server over the matching pools' sets with this suffix (a region or none).
local function best(ctx, suffix, ps, seats, packed)
  local id, score
  for _, pool in ipairs(ps) do
    local key = ctx.prefix .. 'avail:' .. pool .. suffix
    local c = first(ctx, key, seats, packed)
    if c then
      local sc = tonumber(redis.call('ZSCORE', key, c))
      if not id or (packed and sc < score) or ((not packed) and sc > score) then id, score = c, sc end
    end
  end
  return id
end

-- regions: the ones to try, best first; then any. want: required labels. self: the asking
-- Manager ('' for none).
local function pick(prefix, regions, want, seats, excluded, strategy, self)
  local packed = strategy == 'packed'
  local ctx = { prefix = prefix, excluded = excluded, self = self, silent = false }
  local ps = pools(prefix, want)
  for _, region in ipairs(regions) do
    local b = best(ctx, ':' .. region, ps, seats, packed)
    if b then return b, nil end
  end
  local b = best(ctx, '', ps, seats, packed)
  if b then return b, nil end
  -- A server that fits is there, but its Manager is silent: dead, or not back on the store yet.
  if ctx.silent then return nil, 'unreached' end
  -- Nothing fits: "full" if a usable server with the labels is live at all, else "unreached" if
  -- one is live behind a silent Manager, else "none" (only on failure, a scan).
  local matching = {}
  for _, p in ipairs(ps) do matching[p] = true end
  for _, id in ipairs(redis.call('SMEMBERS', prefix .. 'live')) do
    if matching[redis.call('HGET', prefix .. 'server:' .. id, 'pool') or ''] and usable(ctx, id) then return nil, 'full' end
  end
  return nil, ctx.silent and 'unreached' or 'none'
end

-- The values from index `from` on, as a set (the excluded server ids that end ARGV).
local function set(list, from)
  local t = {}
  for i = from, #list do t[list[i]] = true end
  return t
end
