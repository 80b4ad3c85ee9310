-- A removed server leaves its cell (its rooms stay there, named by their ids): the cell's place
-- is free for another server.
local ofKey = KEYS[1]
local sizeKey = KEYS[2]
local id = ARGV[1]

local cell = redis.call('HGET', ofKey, id)
if not cell then return 0 end
redis.call('HDEL', ofKey, id)
if redis.call('HINCRBY', sizeKey, cell, -1) <= 0 then redis.call('HDEL', sizeKey, cell) end
return 1
