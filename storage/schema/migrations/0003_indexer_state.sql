-- wintermute's own bookkeeping for the indexer (docs/indexing.md).
-- The time of the last #account event applied per DID: with several relays,
-- account events can arrive out of order and an older one must not undo a newer.
CREATE TABLE bsky.account_event_state (
    did text PRIMARY KEY,
    "time" text NOT NULL
);
