-- Servers' load reports, one or several at once (a Manager batches the reports that arrive
-- within a few milliseconds). For each, while its epoch is current: its players, its report
-- time and its expiry; and the CPU its logic rooms used, on the records of those rooms that are
-- still its own. Returns 1 (recorded) or 0 (not current) per report, in order; 2 for a report
-- the server wrote itself that was recorded while the Manager holding its stream is not alive.
-- A report a server wrote itself says nowMs 't' and gives its deadline for expiresAtMs: Redis's
-- own clock stamps it, so no game server's clock decides when it dies.
-- ARGV after the prefix, per report: id, epoch, players, nowMs, expiresAtMs, the number of
-- room CPU entries, then those entries (room id, CPU seconds, load).
local expiryKey = KEYS[1]
local prefix = ARGV[1]
local REPORTS_FROM = 2          -- the rest: the reports, each as above
local out = {}
local i = REPORTS_FROM
while i <= #ARGV do
  local id, epoch, players, nowMs, expiresAtMs = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local cpuEntries = tonumber(ARGV[i + 5])
  local cpuFrom = i + 6
  i = cpuFrom + 3 * cpuEntries
  local own = nowMs == 't'
  if own then
    local t = redis.call('TIME')
    nowMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
    expiresAtMs = nowMs + tonumber(expiresAtMs)
  end
  local serverKey = prefix .. 'server:' .. id
  if redis.call('HGET', serverKey, 'epoch') == epoch then
    redis.call('HSET', serverKey, 'players', players, 'reportAt', nowMs)
    redis.call('ZADD', expiryKey, expiresAtMs, id)
    for j = cpuFrom, i - 1, 3 do
      local roomKey = prefix .. 'room:' .. ARGV[j]
      if redis.call('HGET', roomKey, 'sv') == id then
        redis.call('HSET', roomKey, 'cpu', ARGV[j + 1], 'cl', ARGV[j + 2])
      end
    end
    if own and redis.call('EXISTS', prefix .. 'mgr:' .. (redis.call('HGET', serverKey, 'manager') or '')) == 0 then
      out[#out + 1] = 2
    else
      out[#out + 1] = 1
    end
  else
    out[#out + 1] = 0
  end
end
return out
