/**
 * The Lua scripts of the Redis store: the two writes that must read before they write and must not
 * interleave with another node's writes. Redis runs a script atomically. They are sent with EVAL (a few
 * hundred bytes): no script cache to lose when Redis restarts.
 */

/**
 * Compare-and-delete. KEYS[1]: the key; ARGV[1]: the exact value the caller read and checked.
 * Returns 1 when deleted, 0 when the key holds something else now (or nothing).
 */
export const DELETE_IF_EQUAL = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`;

/**
 * One mailbox entry, JSON with its fields in this order so that the script can read `expires` and `n`
 * (the text's length in UTF-16 code units, the unit of `maxBytes`) without decoding the text.
 */
export function mailboxEntry(text: string, expires: number): string {
  return JSON.stringify({ expires, n: text.length, text });
}

/**
 * Mailbox put. KEYS[1]: the recipient's list. ARGV: entry, now, maxMessages, maxBytes, ttlMs, n.
 * Drops expired (or unreadable) entries, refuses when the box is at its message or byte cap, else
 * appends and makes the list live at least as long as the new entry (entries may carry different
 * TTLs: a KVS channel's own). Returns 1 when held, 0 when full.
 */
export const MAILBOX_PUT = `
local now = tonumber(ARGV[2])
local count, bytes = 0, 0
for _, e in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  local expires, n = string.match(e, '^{"expires":([%d%.eE%+%-]+),"n":(%d+),')
  if expires and tonumber(expires) > now then
    count = count + 1
    bytes = bytes + tonumber(n)
  else
    redis.call('LREM', KEYS[1], 1, e)
  end
end
if count >= tonumber(ARGV[3]) or bytes + tonumber(ARGV[6]) > tonumber(ARGV[4]) then
  return 0
end
redis.call('RPUSH', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[5]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
end
return 1
`;
