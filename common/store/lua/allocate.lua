-- Places a new room on the best fitting LIVE server: reserves a room slot and its seats, maps the
-- room as OPENING and holds the creator's seat, both counted against the owner's caps. A repeated
-- request id returns the first room. On a server that opens rooms on their first join token (and
-- when the caller allows it) the room is marked 't': nobody sends open_room, and it is reclaimed
-- after tokDeadlineMs if no token opened it. With tokOnly (the Gateway placing) a server that must
-- be asked to open the room is answered 'needs_open' before anything is written.
--- @include "caps"
--- @include "pick"
--- @include "reservations"
--- @include "listings"
local roomKey = KEYS[1]
local idemKey = KEYS[2]          -- only read or written when useIdem is '1'
local prefix = ARGV[1]
local roomId = ARGV[2]
local seats = tonumber(ARGV[3])
local nowMs = ARGV[4]
local creator = ARGV[5]
local useIdem = ARGV[6]          -- '1' when the request has an idempotency key
local idemTtlMs = ARGV[7]
local regions = ARGV[8]          -- JSON array, best first
local strategy = ARGV[9]
local openDeadlineMs = ARGV[10]
local labels = ARGV[11]          -- JSON, canonical
local visibility = ARGV[12]
local mode = ARGV[13]
local metadata = ARGV[14]        -- JSON, canonical
local qkey = ARGV[15]
local holdUntilMs = ARGV[16]
local managerId = ARGV[17]       -- the Manager asking: its own servers are reachable
local holder = ARGV[18]          -- '' when the room counts against nobody's caps
local maxRooms = tonumber(ARGV[19])
local maxSeats = tonumber(ARGV[20])
local tokDeadlineMs = ARGV[21]   -- '' when the room must be opened with open_room
local tokOnly = ARGV[22]         -- '1': place only on a server that opens on token, else 'needs_open'
local excluded = set(ARGV, 23)   -- the rest: server ids not to use

if useIdem == '1' then
  local prior = redis.call('GET', idemKey)
  if prior then
    if redis.call('EXISTS', prefix .. 'room:' .. prior) == 1 then
      freeOf(prefix, prior, tonumber(nowMs))
      return {'existing', room(prefix, prior, tonumber(nowMs))}
    end
  end
end
if redis.call('EXISTS', roomKey) == 1 then return {'collision', {}} end
local over = overCap(prefix, holder, tonumber(nowMs), maxRooms, maxSeats, true)
if over then return {'over_cap', {over}} end
local chosen, why = pick(prefix, cjson.decode(regions), cjson.decode(labels), seats, excluded, strategy, managerId)
if not chosen then return {why, {}} end
local opensOnToken = tokDeadlineMs ~= '' and redis.call('HGET', prefix .. 'server:' .. chosen, 'tok') == '1'
-- Only a Manager can ask a server to open a room: the caller goes to one, and nothing is written.
if tokOnly == '1' and not opensOnToken then return {'needs_open', {}} end
-- Only what differs from the defaults the readers assume (room.lua).
local fields = {'n', seats, 'c', nowMs, 's', ROOM_OPENING}
local function add(name, value, default)
  if value ~= default then
    fields[#fields + 1] = name
    fields[#fields + 1] = value
  end
end
add('p', creator, '')
add('w', regions, '[]')
add('l', labels, '{}')
add('v', visibility, VISIBILITY_PRIVATE)
add('m', mode, '')
add('d', metadata, '{}')
if visibility == VISIBILITY_PUBLIC then add('q', qkey, '') end
redis.call('HSET', roomKey, unpack(fields))
place(prefix, roomKey, roomId, chosen, seats)
if opensOnToken then
  redis.call('HSET', roomKey, 't', 1)
  openDeadlineMs = tokDeadlineMs
end
redis.call('ZADD', prefix .. 'opening', openDeadlineMs, roomId)
redis.call('HSET', roomKey, '@' .. creator, holdUntilMs)
giveRoom(prefix, holder, maxRooms, roomId, holdUntilMs, tonumber(nowMs))
giveSeat(prefix, holder, maxSeats, roomId, creator, holdUntilMs, tonumber(nowMs))
if useIdem == '1' then redis.call('SET', idemKey, roomId, 'PX', idemTtlMs) end
reroom(prefix, roomId, tonumber(nowMs))
return {'created', room(prefix, roomId, tonumber(nowMs))}
