-- wintermute indexer, part 10: notify_post's walk down to earlier-indexed replies by index lookups
-- only.
--
-- Migration 0011 planned notify_post with enable_seqscan off. That removed the sequential scans of
-- `post`, not the plan's shape: once `post` holds posts with many replies the estimates of the
-- recursive walk grow, and the planner read the whole of post_replyparent_idx (a merge join) and of
-- post_pkey (a hash join) on every call instead, and JIT-compiled the plan (its cost passed
-- jit_above_cost): ≈ 7 ms a call, 3-18 µs per record of a 200,000-record backfill depending on how
-- many replies arrived before their parent (auto_explain, pg_stat_statements). The walk is a few
-- index lookups per level: nested loops only. And no JIT anywhere in a batch: every statement the
-- writer runs touches a few rows, so compiling a plan always costs more than it saves, and a plan
-- whose estimates went wrong is exactly the one that passes jit_above_cost.
SET LOCAL search_path TO bsky, public;

ALTER FUNCTION wintermute.notify_post(text, jsonb)
    SET enable_hashjoin = off
    SET enable_mergejoin = off;
ALTER FUNCTION wintermute.apply_batch() SET jit = off;
