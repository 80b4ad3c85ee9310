-- A join token nobody used, handed on by the Gateway: spent as 'h' (a use writes '1'). 1 when it
-- was unused or handed on before (a retry of that hand-on), 0 when it was used.
local spentKey = KEYS[1]
local ttlMs = ARGV[1]

local was = redis.call('GET', spentKey)
if was == false then
  redis.call('SET', spentKey, 'h', 'PX', ttlMs)
  return 1
end
if was == 'h' then return 1 end
return 0
