-- Which cell an allocation runs in, shared by its retries: the first attempt claims a cell for
-- the room id it was given (and its request id), a retry finds that claim and goes to the same
-- cell, where the room or its idempotency key already is. An attempt whose cell had no room may
-- move the claim on, from the cell it saw to the next.
local ridKey = KEYS[1]
local idemKey = KEYS[2]          -- only read or written when useIdem is '1'
local proposed = ARGV[1]
local previous = ARGV[2]         -- '' on the first attempt
local useIdem = ARGV[3]
local ridTtlMs = ARGV[4]
local idemTtlMs = ARGV[5]

local now = nil
if useIdem == '1' then now = redis.call('GET', idemKey) end
if not now then now = redis.call('GET', ridKey) end
if now and now ~= previous then return now end
redis.call('SET', ridKey, proposed, 'PX', ridTtlMs)
if useIdem == '1' then redis.call('SET', idemKey, proposed, 'PX', idemTtlMs) end
return proposed
