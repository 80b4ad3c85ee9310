-- One page of a listing, newest first: up to limit + 1 (id, score) pairs after the cursor.
--- @include "listings"
local listKey = KEYS[1]
local prefix = ARGV[1]
local nowMs = tonumber(ARGV[2])
local maxScore = ARGV[3]         -- '+inf' for the first page
local afterId = ARGV[4]          -- the last room of the previous page ('' for none)
local limit = tonumber(ARGV[5])

lapse(prefix, nowMs)
local out, offset = {}, 0
while #out <= limit * 2 do
  local batch = redis.call('ZREVRANGEBYSCORE', listKey, maxScore, '-inf', 'WITHSCORES', 'LIMIT', offset, 64)
  if #batch == 0 then break end
  for i = 1, #batch, 2 do
    -- Rooms created in the same millisecond come in reverse id order; resume after the last one.
    if afterId == '' or batch[i + 1] ~= maxScore or batch[i] < afterId then
      out[#out + 1] = batch[i]
      out[#out + 1] = batch[i + 1]
      if #out > limit * 2 then break end
    end
  end
  offset = offset + #batch / 2
end
return out
