//! The budget's Lua scripts. Each runs atomically in Redis and reads the time
//! from Redis's `TIME`, never from a machine's clock. Every script touches
//! only one app's keys, which share a hash tag (`{app}`), so on a cluster they
//! live in one slot.

/// Starts a request now if the app's budget allows it, and answers 0; or
/// answers how long to wait before asking again, in microseconds. Nothing is
/// reserved: a caller that gives up while it waits leaves nothing behind.
///
/// KEYS: the log (a sorted set of the requests that hold a slot: scored in
/// the future, by start time plus the hold, while in flight; by the time
/// they ended once [`FINISH`] ran), the block, the count the server said
/// remains, the start's tombstone. ARGV: the budget, the window (µs), the
/// hold (µs), the start's name in the log (unique, so that a caller dropped
/// while the script ran can remove it, and so that [`FINISH`] can re-score
/// it).
///
/// A full log whose oldest entry is still in flight frees no slot before a
/// window from now (an entry leaves a window after its end, and none has
/// ended yet): the script answers one window, not a guess.
///
/// A start whose tombstone exists is not recorded: its caller gave up on
/// this very script and said so (the crate docs, "Cancellation"), so a script
/// that Redis runs late, after a stall, records nothing for a caller that has
/// gone.
pub(crate) const ACQUIRE: &str = r"
if redis.call('EXISTS', KEYS[4]) == 1 then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit = tonumber(ARGV[1])
local span = tonumber(ARGV[2])
local hold = tonumber(ARGV[3])
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
if blocked > now then return blocked - now end
local left = redis.call('GET', KEYS[3])
if left and tonumber(left) <= 0 then
  local pttl = redis.call('PTTL', KEYS[3])
  if pttl > 0 then return pttl * 1000 end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - span)
local n = redis.call('ZCARD', KEYS[1])
if n >= limit then
  local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
  if oldest > now then return span end
  return math.max(1, oldest + span - now)
end
redis.call('ZADD', KEYS[1], string.format('%.0f', now + hold), ARGV[4])
redis.call('PEXPIRE', KEYS[1], math.floor((span + hold) / 1000) + 1000)
if left then redis.call('DECR', KEYS[3]) end
return 0
";

/// Records that the budget is spent until ARGV[1] (epoch microseconds; 0 for
/// "unknown": ARGV[3] from now), at most ARGV[2] microseconds ahead.
pub(crate) const BLOCK: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local untl = tonumber(ARGV[1])
if untl <= now then untl = now + tonumber(ARGV[3]) end
untl = math.min(untl, now + tonumber(ARGV[2]))
local old = tonumber(redis.call('GET', KEYS[1]) or '0')
if untl > old then
  redis.call('SET', KEYS[1], string.format('%.0f', untl), 'PX', math.floor((untl - now) / 1000) + 1000)
end
return 0
";

/// Records that ARGV[1] requests remain until ARGV[2] (epoch microseconds),
/// at most ARGV[3] microseconds ahead. Two answers about the same server
/// window (resets within a second) keep the smaller count; an answer about
/// an older window is ignored.
pub(crate) const REMAINING: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local r = tonumber(ARGV[1])
local untl = math.min(tonumber(ARGV[2]), now + tonumber(ARGV[3]))
if untl <= now then return 0 end
local ttl = math.floor((untl - now) / 1000) + 1
local old = redis.call('GET', KEYS[1])
if old then
  local oldttl = redis.call('PTTL', KEYS[1])
  if math.abs(oldttl - ttl) <= 1000 then
    if tonumber(old) > r then redis.call('SET', KEYS[1], r, 'KEEPTTL') end
    return 0
  end
  if oldttl > ttl then return 0 end
end
redis.call('SET', KEYS[1], r, 'PX', ttl)
return 0
";

/// The requests named in ARGV[2], ARGV[4], … can no longer reach the server:
/// each is re-scored to when it ended, if it is still in the log (`XX`: a
/// start that left the log, or was removed, is not put back). The end is
/// Redis's `TIME` less the end's age (ARGV[3], ARGV[5], …, µs), measured by
/// the caller on its monotonic clock when it sent the script: no later
/// than the script runs, so never before the request's end. Run late or
/// twice, it only scores later, which counts longer. ARGV[1]: the window
/// (µs); the log is kept at least that long.
///
/// KEYS: the log.
pub(crate) const FINISH: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
for i = 2, #ARGV - 1, 2 do
  local ended = now - math.max(0, tonumber(ARGV[i + 1]) or 0)
  redis.call('ZADD', KEYS[1], 'XX', string.format('%.0f', ended), ARGV[i])
end
local keep = math.floor(tonumber(ARGV[1]) / 1000) + 1000
local ttl = redis.call('PTTL', KEYS[1])
if ttl >= 0 and ttl < keep then redis.call('PEXPIRE', KEYS[1], keep) end
return 0
";
