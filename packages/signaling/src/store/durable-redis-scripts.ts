/**
 * The Lua scripts of RedisRecords: a record and its entry in the key index change together, and a
 * conditional put reads and writes with no other node's write in between. Redis runs a script
 * atomically. Sent with EVAL, as the RedisStore's (redis-scripts.ts): no script cache to lose.
 */

/**
 * Put. KEYS: the record, the index. ARGV: json, mode (`always`, `absent`, `match`), the expected json
 * (mode `match`), the index member (the caller's key). Returns 1 when written, 0 when refused.
 */
export const DURABLE_PUT = `
local cur = redis.call('GET', KEYS[1])
if ARGV[2] == 'absent' and cur then return 0 end
if ARGV[2] == 'match' and cur ~= ARGV[3] then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], 0, ARGV[4])
return 1
`;

/**
 * Delete. KEYS: the record, the index. ARGV: the index member, and the expected json ('' for any).
 * Returns 1 when a record was deleted.
 */
export const DURABLE_DELETE = `
if ARGV[2] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
return redis.call('DEL', KEYS[1])
`;

/**
 * List. KEYS: the index. ARGV: ZRANGEBYLEX start and end, limit, the records' key prefix. Returns
 * key, json, key, json... in key order, read at one instant. A key whose record is missing (deleted
 * past this code, by hand) is skipped.
 */
export const DURABLE_LIST = `
local keys = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, k in ipairs(keys) do
  local json = redis.call('GET', ARGV[4] .. k)
  if json then
    out[#out + 1] = k
    out[#out + 1] = json
  end
end
return out
`;
