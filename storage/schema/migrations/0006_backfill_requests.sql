-- Backfill requests from outside the daemon (the queue_backfill CLI). A
-- second process must not write the daemon's LMDB queue, so it inserts rows
-- here; the daemon's BackfillIndexer moves them into repo_backfill (pushing
-- before deleting: a crash in between pushes again, which deduplicates).
--   kind 'did'          did, priority (immediate | priority | normal)
--   kind 'pds'          host: enumerate that PDS's listRepos (from its start)
--   kind 'retry_failed' every repo backfill_repo says failed, queued again
CREATE TABLE wintermute.backfill_request (
    id bigserial PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('did', 'pds', 'retry_failed')),
    did text,
    host text,
    priority text NOT NULL DEFAULT 'normal' CHECK (priority IN ('immediate', 'priority', 'normal')),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'did') = (did IS NOT NULL)),
    CHECK ((kind = 'pds') = (host IS NOT NULL))
);
