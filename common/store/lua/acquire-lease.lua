-- Takes or renews the named lease for its owner; ttlMs 0 gives it up.
local leaseKey = KEYS[1]
local owner = ARGV[1]
local ttlMs = ARGV[2]

local holder = redis.call('GET', leaseKey)
if holder and holder ~= owner then return 0 end
if tonumber(ttlMs) <= 0 then
  if holder then redis.call('DEL', leaseKey) end
  return 0
end
redis.call('SET', leaseKey, owner, 'PX', ttlMs)
return 1
