-- wintermute indexer, part 9: a repo backfilled for the first time skips the bookkeeping of
-- deletion reconciliation; likes and the like skip set_joinable; notify_post's descendant walk
-- uses its indexes whatever the table's size when the session planned it.
--
-- Reconciliation deletes, at repo_end, the record rows of the DID that the CAR did not have; for
-- that the session remembers every URI of the CAR (wm_backfill_seen, ≈ 4 µs per record with the
-- `record` lookup that tells a create from an update). A repo is *fresh* when the database holds
-- no record row of its DID at repo_begin, after repo_begin has locked the repo's actor_sync row
-- and moved it to the CAR's rev R. Every record row of the DID that exists at repo_end then came
-- from this CAR: a live commit at or before R is skipped as stale, and one newer than R discards
-- the rest of the backfill (repo_end re-queues it, without reconciling) — docs/indexing.md "The
-- rev rule". So a fresh repo's records are all creates and its end has nothing to delete: no
-- lookup, no seen row, no scan. Most repos of a first full-network backfill are fresh; a
-- re-backfill (#sync, a failed verification, queue_backfill) is not and goes the old way.
--
-- set_joinable (a post with replies indexed before it goes one by one) is a SQL function with a
-- subquery, run through the function executor for every set-based op; only posts need it.
--
-- apply_batch is that of migration 0009 with the repo_record branch first in the CASE (the
-- backfill's commonest kind) and these two changes; backfill_end that of migration 0005 with the
-- fresh case.
SET LOCAL search_path TO bsky, public;

-- notify_post's walk down to the replies indexed before their parent (a recursive CTE) is planned
-- once per writer session: a session that starts while `post` is small keeps a hash join over a
-- sequential scan of `post` for good. In a 200,000-record backfill that was 1,400 scans reading
-- 12-26 M rows (auto_explain, pg_stat_user_tables) and most of the spread between runs. Its
-- lookups are by post_replyparent_idx and the primary key, right at any size.
ALTER FUNCTION wintermute.notify_post(text, jsonb) SET enable_seqscan = off;

-- The session's fresh repos (at most the repos in flight on this writer).
ALTER FUNCTION wintermute.prepare_session() RENAME TO prepare_session_0010;
CREATE FUNCTION wintermute.prepare_session() RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM wintermute.prepare_session_0010();
    CREATE TEMP TABLE IF NOT EXISTS wm_backfill_fresh (did text PRIMARY KEY) ON COMMIT PRESERVE ROWS;
END $$;

-- repo_begin as before (migration 0005), then whether the repo is fresh; under the actor_sync row
-- lock that backfill_begin took, so no live commit of the repo can land in between.
ALTER FUNCTION wintermute.backfill_begin(text, text, text, text) RENAME TO backfill_begin_0005;
CREATE FUNCTION wintermute.backfill_begin(repo text, commit_cid text, repo_rev text, t text) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM wintermute.backfill_begin_0005(repo, commit_cid, repo_rev, t);
    DELETE FROM wm_backfill_fresh WHERE did = repo;
    IF NOT EXISTS (SELECT 1 FROM record r WHERE r.did = repo) THEN
        INSERT INTO wm_backfill_fresh VALUES (repo);
    END IF;
END $$;

CREATE OR REPLACE FUNCTION wintermute.backfill_end(repo text, abort_reason text) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    m record;
    gone record;
    held text;
    fresh boolean := EXISTS (SELECT 1 FROM wm_backfill_fresh f WHERE f.did = repo);
BEGIN
    DELETE FROM wm_backfill_fresh WHERE did = repo;
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
    IF fresh THEN
        -- Every record row of the DID is one of the CAR's (see the header). The records that went
        -- one by one (backfill_record) left seen rows.
        DELETE FROM wm_backfill_seen WHERE did = repo;
        INSERT INTO wm_repo_outcome VALUES (repo, 'indexed', m.rev);
        PERFORM wintermute.set_backfill_status(repo, 'indexed', m.rev, NULL);
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

CREATE OR REPLACE FUNCTION wintermute.apply_batch(OUT applied int, OUT stale int, OUT accounts_ignored int)
    LANGUAGE plpgsql AS $$
DECLARE
    op record;
    repo_rev text;
    skip_seq bigint := NULL;
    checked_did text := NULL;
    backfill_t text := NULL;
    set_ok boolean;
    grp wintermute.set_op[] := '{}';  -- the group of set-based creates being collected
    colls text[] := '{}';             -- the collections of the group; empty: no group
    j jsonb;
    group_t text;                     -- the indexedAt of an op that joins the group
    held_cid text;
    fresh boolean := false;           -- the database held no record of checked_did's repo at its start
    joinable boolean;
BEGIN
    applied := 0;
    stale := 0;
    accounts_ignored := 0;
    DELETE FROM wm_repo_outcome;  -- the previous batch's, which its client has read
    set_ok := NOT EXISTS (SELECT 1 FROM thread_mute);
    PERFORM set_config('wintermute.thread_mutes_empty', CASE WHEN set_ok THEN 'on' ELSE 'off' END, true);
    FOR op IN SELECT * FROM wm_op ORDER BY ord LOOP
        IF op.apply_before AND cardinality(colls) > 0 THEN
            PERFORM wintermute.apply_set(grp, colls);
            grp := '{}';
            colls := '{}';
        END IF;
        CASE op.kind
        WHEN 'repo_record' THEN
            -- Checked (and its actor_sync row locked) once per repo per batch.
            IF checked_did IS DISTINCT FROM op.did THEN
                backfill_t := wintermute.backfill_check(op.did);
                checked_did := op.did;
                fresh := backfill_t IS NOT NULL AND EXISTS (SELECT 1 FROM wm_backfill_fresh f WHERE f.did = op.did);
            END IF;
            CONTINUE WHEN backfill_t IS NULL;
            IF op.set_based AND set_ok AND op.json IS NOT NULL THEN
                -- backfill_record's create case, set-based: a record the database does not hold. A
                -- fresh repo's records are all new, and its end has nothing to reconcile: neither
                -- the lookup nor the seen row.
                IF fresh THEN
                    held_cid := NULL;
                ELSE
                    INSERT INTO wm_backfill_seen VALUES (op.did, op.uri) ON CONFLICT DO NOTHING;
                    SELECT r.cid INTO held_cid FROM record r WHERE r.uri = op.uri;
                END IF;
                IF op.extra <> 'app.bsky.feed.post' THEN
                    joinable := held_cid IS NULL;
                ELSE
                    joinable := held_cid IS NULL AND wintermute.set_joinable(op.extra, op.uri);
                END IF;
                IF joinable THEN
                    group_t := backfill_t;
                ELSIF held_cid IS DISTINCT FROM op.cid THEN
                    -- An update (or a post with replies): one by one, after the group.
                    IF cardinality(colls) > 0 THEN
                        PERFORM wintermute.apply_set(grp, colls);
                        grp := '{}';
                        colls := '{}';
                    END IF;
                    PERFORM wintermute.backfill_record(op.did, op.extra, op.uri, op.cid, op.json, backfill_t,
                                                       op.created_at);
                END IF;
            ELSE
                PERFORM wintermute.backfill_record(op.did, op.extra, op.uri, op.cid, op.json, backfill_t,
                                                   op.created_at);
            END IF;
        WHEN 'commit', 'sync' THEN
            checked_did := NULL;
            INSERT INTO actor_sync AS s (did, "commitCid", "repoRev") VALUES (op.did, op.cid, op.rev)
            ON CONFLICT (did) DO UPDATE SET "commitCid" = excluded."commitCid", "repoRev" = excluded."repoRev"
            WHERE (s."repoRev" IS NOT NULL AND excluded."repoRev" <= s."repoRev") IS NOT TRUE;
            IF NOT FOUND THEN
                -- Not newer than the rev held (the row is now locked by the upsert's check).
                SELECT "repoRev" INTO repo_rev FROM actor_sync WHERE did = op.did;
                skip_seq := op.seq;
                -- A #sync repeating the current rev is not a stale write.
                IF op.kind = 'commit' OR op.rev < repo_rev THEN
                    stale := stale + 1;
                END IF;
                CONTINUE;
            END IF;
        WHEN 'create' THEN
            CONTINUE WHEN op.seq = skip_seq;
            -- set_joinable runs a query through the SQL function executor: only posts need it.
            IF op.set_based AND set_ok
               AND (op.extra <> 'app.bsky.feed.post' OR wintermute.set_joinable(op.extra, op.uri)) THEN
                group_t := op.t;
            ELSE
                PERFORM wintermute.index_create(op.extra, op.uri, op.cid, op.did, op.json::jsonb, op.json, op.t,
                                                op.created_at);
            END IF;
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
        WHEN 'repo_end' THEN
            PERFORM wintermute.backfill_end(op.did, op.extra);
            checked_did := NULL;
        WHEN 'repo_status' THEN
            PERFORM wintermute.backfill_status(op.did, op.cid, op.rev, op.extra);
            checked_did := NULL;
        END CASE;
        IF group_t IS NOT NULL THEN
            j := op.json::jsonb;
            grp := grp || ROW(op.ord, op.uri, op.cid, op.did, op.extra, op.json, j, group_t, op.created_at,
                              CASE WHEN op.extra IN ('app.bsky.feed.like', 'app.bsky.feed.repost')
                                   THEN j -> 'subject' ->> 'uri'
                                   WHEN op.extra IN ('app.bsky.graph.follow', 'app.bsky.graph.block')
                                   THEN j ->> 'subject' END)::wintermute.set_op;
            IF NOT op.extra = ANY (colls) THEN
                colls := colls || op.extra;
            END IF;
            group_t := NULL;
        END IF;
        applied := applied + 1;
    END LOOP;
    IF cardinality(colls) > 0 THEN
        PERFORM wintermute.apply_set(grp, colls);
    END IF;
    PERFORM wintermute.apply_agg_deltas();
    PERFORM wintermute.empty_staging();
END $$;
