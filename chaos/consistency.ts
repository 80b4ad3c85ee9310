// The end-of-run check that every server's reservations match the rooms mapped to it. It runs as
// one script, so it sees the store at a single instant: read call by call, a room deleted (an
// unjoined room expiring, a last player leaving) between reading a server and reading its rooms
// looked like a leaked reservation. On a Redis Cluster it runs once per cell (chaos/backend.ts).

export const CHECK = `
local prefix = ARGV[1]
local problems = {}
for _, id in ipairs(redis.call('SMEMBERS', prefix .. 'servers')) do
  local skey = prefix .. 'server:' .. id
  local s = redis.call('HMGET', skey, 'rooms', 'seats')
  local ids = redis.call('HKEYS', skey .. ':rooms')
  local seats = 0
  for _, roomId in ipairs(ids) do
    local r = redis.call('HMGET', prefix .. 'room:' .. roomId, 'sv', 'n')
    if r[1] ~= id then
      problems[#problems + 1] = id .. ' lists room ' .. roomId .. ' that is not mapped to it'
    else
      seats = seats + tonumber(r[2])
    end
  end
  local rooms, used = tonumber(s[1] or '0'), tonumber(s[2] or '0')
  if rooms ~= #ids then
    problems[#problems + 1] = id .. ' reserves ' .. rooms .. ' rooms but holds ' .. #ids
  end
  if used ~= seats then
    problems[#problems + 1] = id .. ' reserves ' .. used .. ' seats but its rooms have ' .. seats
  end
end
return problems
`;
