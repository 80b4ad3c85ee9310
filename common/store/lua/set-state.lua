-- Changes a server's state, only while it is still in the given epoch.
--- @include "server-index"
local serverKey = KEYS[1]
local prefix = ARGV[1]
local id = ARGV[2]
local epoch = ARGV[3]
local state = ARGV[4]

if redis.call('HGET', serverKey, 'epoch') ~= epoch then return 0 end
redis.call('HSET', serverKey, 'state', state)
index(prefix, id)
return 1
