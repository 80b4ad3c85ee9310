-- Cluster events, in order: each published on the events channel and, when a history is kept,
-- pushed onto it (newest first), trimmed to its count and expiring with its age. One call for a
-- batch, where a transaction of the same commands cost its caller six.
local historyKey = KEYS[1]
local channel = ARGV[1]
local maxEvents = tonumber(ARGV[2])   -- 0: no history
local maxAgeMs = ARGV[3]
local first = 4                       -- the rest: the events

for i = first, #ARGV do redis.call('PUBLISH', channel, ARGV[i]) end
if maxEvents > 0 then
  for i = first, #ARGV do redis.call('LPUSH', historyKey, ARGV[i]) end
  redis.call('LTRIM', historyKey, 0, maxEvents - 1)
  redis.call('PEXPIRE', historyKey, maxAgeMs)
end
return #ARGV - first + 1
