-- Repo backfill (docs/indexing.md "Backfill"): wintermute's repo state table
-- and the rules that index a whole repo CAR (the reference's indexRepo,
-- indexing-semantics.md §5.5) inside the writer's transaction.
SET LOCAL search_path TO bsky, public;

-- One row per repo wintermute was asked to backfill: it answers "which repos
-- are complete". `rev` is the rev of the last backfill that committed.
CREATE TABLE bsky.backfill_repo (
    did text PRIMARY KEY,
    status text NOT NULL CHECK (status IN ('queued', 'fetching', 'indexed', 'failed', 'inactive')),
    rev text,
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX backfill_repo_status_idx ON bsky.backfill_repo (status);

-- listRepos enumeration per relay or PDS, keyed `backfill_enum:{host}` like
-- the sub_state cursors (whose bigint column cannot hold listRepos' opaque
-- string cursors). `cursor` is where the next page starts (NULL: the first);
-- `finished_at` is set when the last page was read, so a restart does not
-- walk the whole network again.
CREATE TABLE bsky.backfill_enum (
    service text PRIMARY KEY,
    cursor text,
    listed bigint NOT NULL DEFAULT 0,
    finished_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- The writer session's staging tables, now with the backfill's. A repo's ops
-- may span several transactions of one session, so its marker and the URIs
-- seen so far survive commits (PRESERVE ROWS); they are transactional, so a
-- rolled-back batch leaves them as they were. If the session is lost, the
-- marker is gone and repo_end reports the repo incomplete instead of
-- reconciling against a partial list.
CREATE OR REPLACE FUNCTION wintermute.prepare_session() RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS wm_op (
        ord bigint NOT NULL, seq bigint, kind text NOT NULL, did text, uri text, cid text, rev text, t text,
        json text, created_at text, extra text) ON COMMIT DELETE ROWS;
    CREATE TEMP TABLE IF NOT EXISTS wm_post_agg_delta (uri text, likes int, replies int, reposts int)
        ON COMMIT DELETE ROWS;
    CREATE TEMP TABLE IF NOT EXISTS wm_profile_agg_delta (did text, followers int, follows int, posts int)
        ON COMMIT DELETE ROWS;
    CREATE TEMP TABLE IF NOT EXISTS wm_backfill_repo (
        did text PRIMARY KEY, cid text NOT NULL, rev text NOT NULL, t text NOT NULL,
        discarded text) ON COMMIT PRESERVE ROWS;
    CREATE TEMP TABLE IF NOT EXISTS wm_backfill_seen (did text, uri text, PRIMARY KEY (did, uri))
        ON COMMIT PRESERVE ROWS;
    CREATE TEMP TABLE IF NOT EXISTS wm_repo_outcome (did text, outcome text, detail text)
        ON COMMIT DELETE ROWS;
END $$;

-- The repo's status in backfill_repo, in the same transaction as its rows.
CREATE FUNCTION wintermute.set_backfill_status(repo text, new_status text, new_rev text, error text)
    RETURNS void LANGUAGE sql AS $$
    INSERT INTO backfill_repo AS b (did, status, rev, last_error, updated_at)
    VALUES (repo, new_status, new_rev, error, now())
    ON CONFLICT (did) DO UPDATE SET status = excluded.status, rev = coalesce(excluded.rev, b.rev),
        last_error = excluded.last_error, updated_at = excluded.updated_at $$;

-- Locks the repo's actor_sync row until commit and returns its rev. The live
-- writer upserts that row before any op of a commit, so while a backfill
-- batch holds it no live commit of the repo can interleave with it.
CREATE FUNCTION wintermute.lock_repo_rev(repo text) RETURNS text
    LANGUAGE plpgsql AS $$
DECLARE
    held text;
BEGIN
    SELECT "repoRev" INTO held FROM actor_sync WHERE did = repo FOR UPDATE;
    RETURN held;
END $$;

-- repo_begin: a backfill of `repo` at (commit cid, rev) starts. Applies only
-- when rev is not older than the rev the database holds; otherwise every op
-- of the repo is discarded and repo_end reports it stale.
CREATE FUNCTION wintermute.backfill_begin(repo text, commit_cid text, repo_rev text, t text) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    held text := wintermute.lock_repo_rev(repo);
BEGIN
    DELETE FROM wm_backfill_seen WHERE did = repo;
    DELETE FROM wm_backfill_repo WHERE did = repo;
    IF held IS NOT NULL AND held > repo_rev THEN
        INSERT INTO wm_backfill_repo VALUES (repo, commit_cid, repo_rev, t,
            format('the database holds rev %s, newer than the backfill''s %s', held, repo_rev));
        RETURN;
    END IF;
    INSERT INTO wm_backfill_repo VALUES (repo, commit_cid, repo_rev, t, NULL);
    -- From now on live commits at or before this rev are stale: the CAR has them.
    INSERT INTO actor_sync (did, "commitCid", "repoRev") VALUES (repo, commit_cid, repo_rev)
    ON CONFLICT (did) DO UPDATE SET "commitCid" = excluded."commitCid", "repoRev" = excluded."repoRev";
END $$;

-- The indexedAt of the repo's records when the backfill may go on writing,
-- NULL when it is discarded (no marker, stale, or overtaken by a live commit
-- that committed between two of its batches).
CREATE FUNCTION wintermute.backfill_check(repo text) RETURNS text
    LANGUAGE plpgsql AS $$
DECLARE
    m record;
    held text;
BEGIN
    SELECT * INTO m FROM wm_backfill_repo WHERE did = repo;
    IF NOT FOUND OR m.discarded IS NOT NULL THEN
        RETURN NULL;
    END IF;
    held := wintermute.lock_repo_rev(repo);
    IF held IS NOT NULL AND held > m.rev THEN
        UPDATE wm_backfill_repo SET discarded = format('a live commit at rev %s overtook the backfill''s %s',
                                                        held, m.rev)
        WHERE did = repo;
        RETURN NULL;
    END IF;
    RETURN m.t;
END $$;

-- repo_record: one record of the CAR. New → create, changed CID → update,
-- same CID → nothing (indexing-semantics.md §5.5). json NULL marks a record
-- that is in the CAR but not indexable (invalid): it is only remembered, so
-- that reconciliation keeps whatever the database holds for it.
CREATE FUNCTION wintermute.backfill_record(repo text, coll text, uri text, cid text, json_text text,
                                           t text, created_at text) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    held_cid text;
BEGIN
    INSERT INTO wm_backfill_seen VALUES (repo, uri) ON CONFLICT DO NOTHING;
    IF json_text IS NULL THEN
        RETURN;
    END IF;
    SELECT r.cid INTO held_cid FROM record r WHERE r.uri = $3;
    IF NOT FOUND THEN
        PERFORM wintermute.index_create(coll, uri, cid, repo, json_text::jsonb, json_text, t, created_at);
    ELSIF held_cid <> cid THEN
        PERFORM wintermute.index_update(coll, uri, cid, repo, json_text::jsonb, json_text, t, created_at);
    END IF;
END $$;

-- repo_end: deletes what the database holds for the repo that the CAR does
-- not have (through index_delete, so notifications and aggregates follow),
-- then records the outcome. `abort_reason` set: the CAR turned out unusable
-- after some records were written; no reconciliation, the repo failed.
CREATE FUNCTION wintermute.backfill_end(repo text, abort_reason text) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    m record;
    gone record;
    held text;
BEGIN
    SELECT * INTO m FROM wm_backfill_repo WHERE did = repo;
    IF NOT FOUND THEN
        INSERT INTO wm_repo_outcome VALUES (repo, 'incomplete', 'the writer session lost the repo''s start');
        PERFORM wintermute.set_backfill_status(repo, 'queued', NULL, 'incomplete: writer session lost');
        RETURN;
    END IF;
    DELETE FROM wm_backfill_repo WHERE did = repo;
    IF abort_reason IS NOT NULL THEN
        DELETE FROM wm_backfill_seen WHERE did = repo;
        INSERT INTO wm_repo_outcome VALUES (repo, 'failed', abort_reason);
        PERFORM wintermute.set_backfill_status(repo, 'failed', NULL, abort_reason);
        RETURN;
    END IF;
    held := wintermute.lock_repo_rev(repo);
    IF m.discarded IS NULL AND held IS NOT NULL AND held > m.rev THEN
        m.discarded := format('a live commit at rev %s overtook the backfill''s %s', held, m.rev);
    END IF;
    IF m.discarded IS NOT NULL THEN
        DELETE FROM wm_backfill_seen WHERE did = repo;
        INSERT INTO wm_repo_outcome VALUES (repo, 'stale', m.discarded);
        PERFORM wintermute.set_backfill_status(repo, 'queued', NULL, 'stale: ' || m.discarded);
        RETURN;
    END IF;
    FOR gone IN SELECT r.uri FROM record r
                WHERE r.did = repo
                  AND NOT EXISTS (SELECT 1 FROM wm_backfill_seen s WHERE s.did = repo AND s.uri = r.uri)
                ORDER BY r.uri LOOP
        PERFORM wintermute.index_delete(wintermute.uri_collection(gone.uri), gone.uri);
    END LOOP;
    DELETE FROM wm_backfill_seen WHERE did = repo;
    INSERT INTO wm_repo_outcome VALUES (repo, 'indexed', m.rev);
    PERFORM wintermute.set_backfill_status(repo, 'indexed', m.rev, NULL);
END $$;

-- repo_status: a repo the relay lists as inactive (takendown, deactivated,
-- …): there is no CAR to fetch. Its head moves actor_sync under the same rev
-- rule, and its status becomes the actor's upstreamStatus unless a live
-- #account event already decided it (account_event_state).
CREATE FUNCTION wintermute.backfill_status(repo text, commit_cid text, repo_rev text, status text) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    held text := wintermute.lock_repo_rev(repo);
BEGIN
    IF held IS NULL OR held <= repo_rev THEN
        INSERT INTO actor_sync (did, "commitCid", "repoRev") VALUES (repo, commit_cid, repo_rev)
        ON CONFLICT (did) DO UPDATE SET "commitCid" = excluded."commitCid", "repoRev" = excluded."repoRev";
    END IF;
    IF NOT EXISTS (SELECT 1 FROM account_event_state WHERE did = repo) THEN
        UPDATE actor SET "upstreamStatus" = status WHERE did = repo;
    END IF;
    INSERT INTO wm_repo_outcome VALUES (repo, 'inactive', status);
    PERFORM wintermute.set_backfill_status(repo, 'inactive', repo_rev, status);
END $$;

-- Applies every staged op in `ord` order. kinds:
--   commit  (did, cid = commit CID, rev, t): a #commit that yields at least one
--           op; skipped with all its ops when its rev is not newer than the
--           repo rev already held (stale or repeated write)
--   sync    (did, cid, rev): a #sync's commit
--   create / update / delete (seq, did, uri, cid, t, json, created_at, extra = collection)
--   actor   (did, extra = verified handle or NULL, t, json = 'force' for #identity)
--   account (did, extra = upstream status or NULL when active, t)
--   delete_actor (did)
--   label   (json = the label)
--   repo_begin  (did, cid = commit CID, rev, t = the backfill's indexedAt)
--   repo_record (did, uri, cid, json or NULL when not indexable, created_at, extra = collection)
--   repo_end    (did, extra = abort reason or NULL)
--   repo_status (did, cid = head, rev, extra = status): an inactive listed repo
-- A repo's ops are contiguous within a batch and may span several batches of
-- the same session; repo_end writes one wm_repo_outcome row.
CREATE OR REPLACE FUNCTION wintermute.apply_batch(OUT applied int, OUT stale int, OUT accounts_ignored int)
    LANGUAGE plpgsql AS $$
DECLARE
    op record;
    repo_rev text;
    skip_seq bigint := NULL;
    checked_did text := NULL;
    backfill_t text := NULL;
BEGIN
    applied := 0;
    stale := 0;
    accounts_ignored := 0;
    FOR op IN SELECT * FROM wm_op ORDER BY ord LOOP
        CASE op.kind
        WHEN 'commit', 'sync' THEN
            checked_did := NULL;
            SELECT "repoRev" INTO repo_rev FROM actor_sync WHERE did = op.did;
            IF repo_rev IS NOT NULL AND op.rev <= repo_rev THEN
                skip_seq := op.seq;
                -- A #sync repeating the current rev is not a stale write.
                IF op.kind = 'commit' OR op.rev < repo_rev THEN
                    stale := stale + 1;
                END IF;
                CONTINUE;
            END IF;
            INSERT INTO actor_sync (did, "commitCid", "repoRev") VALUES (op.did, op.cid, op.rev)
            ON CONFLICT (did) DO UPDATE SET "commitCid" = excluded."commitCid", "repoRev" = excluded."repoRev";
        WHEN 'create' THEN
            CONTINUE WHEN op.seq = skip_seq;
            PERFORM wintermute.index_create(op.extra, op.uri, op.cid, op.did, op.json::jsonb, op.json, op.t,
                                            op.created_at);
        WHEN 'update' THEN
            CONTINUE WHEN op.seq = skip_seq;
            PERFORM wintermute.index_update(op.extra, op.uri, op.cid, op.did, op.json::jsonb, op.json, op.t,
                                            op.created_at);
        WHEN 'delete' THEN
            CONTINUE WHEN op.seq = skip_seq;
            PERFORM wintermute.index_delete(op.extra, op.uri);
        WHEN 'actor' THEN
            PERFORM wintermute.index_actor(op.did, op.extra, op.t, coalesce(op.json = 'force', false));
        WHEN 'account' THEN
            IF NOT wintermute.apply_account(op.did, op.extra, op.t) THEN
                accounts_ignored := accounts_ignored + 1;
            END IF;
        WHEN 'delete_actor' THEN
            checked_did := NULL;
            PERFORM wintermute.delete_actor(op.did);
        WHEN 'label' THEN
            PERFORM wintermute.apply_label(op.json::jsonb);
        WHEN 'repo_begin' THEN
            PERFORM wintermute.backfill_begin(op.did, op.cid, op.rev, op.t);
            checked_did := NULL;
        WHEN 'repo_record' THEN
            -- Checked (and its actor_sync row locked) once per repo per batch.
            IF checked_did IS DISTINCT FROM op.did THEN
                backfill_t := wintermute.backfill_check(op.did);
                checked_did := op.did;
            END IF;
            CONTINUE WHEN backfill_t IS NULL;
            PERFORM wintermute.backfill_record(op.did, op.extra, op.uri, op.cid, op.json, backfill_t,
                                               op.created_at);
        WHEN 'repo_end' THEN
            PERFORM wintermute.backfill_end(op.did, op.extra);
            checked_did := NULL;
        WHEN 'repo_status' THEN
            PERFORM wintermute.backfill_status(op.did, op.cid, op.rev, op.extra);
            checked_did := NULL;
        END CASE;
        applied := applied + 1;
    END LOOP;
    PERFORM wintermute.apply_agg_deltas();
END $$;
