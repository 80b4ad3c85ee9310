-- Which cell an allocation runs in, shared by its retries: the first attempt claims a cell for
-- its request (its idempotency key, else the room id it was given), and a retry finds that claim
-- and goes to the same cell, where the room or its idempotency key already is. An attempt whose
-- cell had no room may move the claim on, from the cell it saw to the next. One key with a slot
-- of its own, so claims spread over every master.
local claimKey = KEYS[1]
local proposed = ARGV[1]
local previous = ARGV[2]         -- '' on the first attempt
local ttlMs = ARGV[3]

local now = redis.call('GET', claimKey)
if now and now ~= previous then return now end
redis.call('SET', claimKey, proposed, 'PX', ttlMs)
return proposed
