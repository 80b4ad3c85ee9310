-- The rooms, in order, as the store returns them (room.lua), read at one instant: an empty list for
-- each one that does not exist. Reads only: a lapsed hold is left for the next script that writes.
--- @include "room"
local firstKey = KEYS[1]         -- the first room's key: names the node (Redis Cluster cells)
local prefix = ARGV[1]
local nowMs = tonumber(ARGV[2])
local IDS_FROM = 3               -- the rest: the room ids

local out = {}
for i = IDS_FROM, #ARGV do out[#out + 1] = room(prefix, ARGV[i], nowMs) or {} end
return out
