-- A room's hash, {prefix}room:{roomId}. It is most of what a live room costs in Redis, so it is
-- kept small enough for Redis to store as a listpack (hash-max-listpack-entries fields, none
-- longer than hash-max-listpack-value bytes): short field names, and no field for a default value
-- or for what the key or the room's server already says (id, address, region, zone).
--   n   seats (maxPlayers)             c   createdAt (ms)            p   creator's player id
--   s   state (RoomState)              w   asked-for regions (JSON array; absent: none)
--   l   required labels (JSON; absent: none)      d   metadata (JSON; absent: none)
--   m   mode (absent: '')              v   visibility (absent: PRIVATE)
--   q   quick-join key (public rooms only: only they are queued)
--   sv  the server it is mapped to (absent: none)     pl  players that server counts (absent: 0)
--   rg  zn  region and zone of its last server, while it has none (with one: that server's)
--   mg  migrations (absent: 0)         ms  when it started MOVING (while MOVING)
--   t   1: its server opens it on the first join token      j   1: a player joined (caps.lua)
--   ir  the region it is listed under, while listed (listings.lua)
--   cpu cl  CPU seconds and load of its logic, as its server reports them
--   @{playerId}  a seat held for that player: when the hold lapses (ms). A room's holds are few
--                and last one join token's life, so they live here rather than in a key each.

-- The room's fields without its holds (nil when there is no room), how many holds are live at
-- nowMs and when the earliest of them lapses. tidy: drops the lapsed ones.
local function readRoom(prefix, roomId, nowMs, tidy)
  local rkey = prefix .. 'room:' .. roomId
  local flat = redis.call('HGETALL', rkey)
  if #flat == 0 then return nil, 0, nil end
  local h, held, earliest = {}, 0, nil
  for i = 1, #flat, 2 do
    local f, v = flat[i], flat[i + 1]
    if string.byte(f) == 64 then
      local untilMs = tonumber(v)
      if untilMs > nowMs then
        held = held + 1
        if not earliest or untilMs < earliest then earliest = untilMs end
      elseif tidy then
        redis.call('HDEL', rkey, f)
      end
    else
      h[f] = v
    end
  end
  return h, held, earliest
end

-- Where the room is: its server's address, region and zone, or ('', the last ones) with none.
local function where(prefix, h)
  if h.sv and h.sv ~= '' then
    local s = redis.call('HMGET', prefix .. 'server:' .. h.sv, 'address', 'region', 'zone')
    return s[1] or '', s[2] or '', s[3] or ''
  end
  return '', h.rg or '', h.zn or ''
end

-- The room as the store returns it, read by redis/hashes.ts: its fields (holds left out), its
-- id, where it is and its free seats. Nil when there is no room.
local function room(prefix, roomId, nowMs)
  local h, held = readRoom(prefix, roomId, nowMs, false)
  if not h then return nil end
  local free = tonumber(h.n or '0') - tonumber(h.pl or '0') - held
  local out = {}
  for f, v in pairs(h) do
    out[#out + 1] = f
    out[#out + 1] = v
  end
  local address, region, zone = where(prefix, h)
  for _, v in ipairs({'id', roomId, 'a', address, 'rg', region, 'zn', zone, 'free', tostring(math.max(0, free))}) do
    out[#out + 1] = v
  end
  return out
end
