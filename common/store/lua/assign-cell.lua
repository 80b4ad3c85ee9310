-- The cell a server belongs to (Redis Cluster cells, common/store/cells/): the one it had, or the
-- one asked for, or a cell of its region that has no server left, or the first cell of its region
-- with fewer than maxServers servers, or a new cell for its region. All keys here share the cell
-- map's hash tag. A cell without servers comes first because its rooms can only move within it:
-- they wait (MOVING, up to MIGRATION_TIMEOUT_MS) for the region's next server.
local ofKey = KEYS[1]            -- hash: server id -> cell
local regionKey = KEYS[2]        -- hash: cell -> region
local sizeKey = KEYS[3]          -- hash: cell -> servers assigned
local id = ARGV[1]
local region = ARGV[2]
local asked = ARGV[3]            -- '' for any
local maxServers = tonumber(ARGV[4])
local maxCells = tonumber(ARGV[5])
-- Which master holds each number's slot: the (n+1)th character is number n's master's code, '.'
-- when unknown; '' outside a cluster. A new cell takes the lowest free number on the master with
-- the fewest cells, counted here, so registrations racing on several Managers still spread.
local owners = ARGV[6]

local had = redis.call('HGET', ofKey, id)
if had then return had end
local cell = nil
if asked ~= '' then
  cell = asked
  if not redis.call('HGET', regionKey, cell) then redis.call('HSET', regionKey, cell, region) end
else
  local all = redis.call('HGETALL', regionKey)
  local used = {}
  local empty = nil
  for i = 1, #all, 2 do
    used[tonumber(all[i])] = true
    if all[i + 1] == region then
      local size = tonumber(redis.call('HGET', sizeKey, all[i]) or '0')
      if size == 0 and not empty then empty = all[i] end
      if size < maxServers and not cell then cell = all[i] end
    end
  end
  cell = empty or cell
  if not cell then
    -- A new cell for the region.
    if owners ~= '' then
      local last = math.min(maxCells, #owners) - 1
      local load = {}
      for n = 0, last do
        local o = string.sub(owners, n + 1, n + 1)
        if o ~= '.' then
          load[o] = load[o] or 0
          if used[n] then load[o] = load[o] + 1 end
        end
      end
      local best = nil
      for n = 0, last do
        local o = string.sub(owners, n + 1, n + 1)
        if not used[n] and o ~= '.' and (not best or load[o] < best) then
          best = load[o]
          cell = tostring(n)
        end
      end
    end
    if not cell then
      for n = 0, maxCells - 1 do
        if not used[n] then cell = tostring(n) break end
      end
    end
    if not cell then return redis.error_reply('CELLS every one of the ' .. maxCells .. ' cells is in use') end
    redis.call('HSET', regionKey, cell, region)
  end
end
redis.call('HSET', ofKey, id, cell)
redis.call('HINCRBY', sizeKey, cell, 1)
return cell
