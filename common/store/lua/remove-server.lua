-- Deletes a server still in the given epoch: its open rooms become MOVING (claimable at once), and
-- so do the OPENING ones its first join token would have opened (the Gateway promised them);
-- rooms never confirmed are removed. Nil when the epoch did not match.
--- @include "reservations"
--- @include "listings"
local serverKey = KEYS[1]
local roomsKey = KEYS[2]
local serversKey = KEYS[3]
local expiryKey = KEYS[4]
local prefix = ARGV[1]
local id = ARGV[2]
local epoch = ARGV[3]
local nowMs = ARGV[4]

if redis.call('HGET', serverKey, 'epoch') ~= epoch then return false end
local srv = redis.call('HMGET', serverKey, 'region', 'pool')
unindex(prefix, id, srv[1], srv[2])
leavePool(prefix, srv[2])
local moving, dropped = {}, {}
for _, roomId in ipairs(redis.call('HKEYS', roomsKey)) do
  local rkey = prefix .. 'room:' .. roomId
  local r = redis.call('HMGET', rkey, 's', 't')
  local state = r[1]
  if state == ROOM_OPENING and r[2] then redis.call('ZREM', prefix .. 'opening', roomId) end
  if state == ROOM_OPENING and not r[2] then
    forget(prefix, roomId)
    redis.call('DEL', rkey, prefix .. 'snap:' .. roomId)
    redis.call('ZREM', prefix .. 'opening', roomId)
    dropped[#dropped + 1] = roomId
  elseif state then
    if state ~= ROOM_MOVING then redis.call('HSET', rkey, 'ms', nowMs) end
    unplace(prefix, rkey, id)
    redis.call('HSET', rkey, 's', ROOM_MOVING)
    redis.call('ZADD', prefix .. 'moving', 0, roomId)
    reroom(prefix, roomId, tonumber(nowMs))
    moving[#moving + 1] = roomId
  end
end
redis.call('DEL', serverKey, roomsKey)
redis.call('SREM', serversKey, id)
redis.call('ZREM', expiryKey, id)
return {moving, dropped}
