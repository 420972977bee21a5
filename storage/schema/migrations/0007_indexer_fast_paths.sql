-- wintermute indexer, part 5: the same rules with fewer statements per op and a cheaper commit,
-- measured with `wintermute-bench live` (docs/benchmarks.md "Live path"). Behaviour is unchanged.
--
-- * prepare_session/apply_batch: the staging tables keep their rows across commits and apply_batch
--   empties them (see prepare_session below): ON COMMIT DELETE ROWS cost 10-16 ms per commit.
-- * apply_batch: a #commit/#sync moves actor_sync with one conditional upsert instead of a SELECT
--   then an upsert; the SELECT runs only for the (rare) skipped op, to tell a stale write from a
--   #sync repeating the current rev. It also notes once per batch whether thread_mute has any row.
-- * notify: skips the thread-mute lookups when the batch found thread_mute empty. The indexer never
--   writes thread_mute; a mute committed by someone else during a batch counts from the next batch,
--   as if it had committed just after this one.
-- * insert_post_embeds and notify_post: a post without an embed (facets) skips the set-returning
--   calls over them, which would return no row.
-- * notify_post: walks up the thread with primary-key lookups and looks for descendants only when
--   the replyParent index has one. The recursive CTEs it ran for every post were planned once per
--   writer session; a session that starts on an empty post table keeps a sequential scan of post
--   in them, and the live bench slowed down as post grew (docs/benchmarks.md "Live path"). The
--   thread-gate is read only when the walk goes up (it only stops the walk).
SET LOCAL search_path TO bsky, public;

CREATE OR REPLACE FUNCTION wintermute.notify(recipient text, author text, record_uri text, record_cid text,
                                             reason text, reason_subject text, sort_at text) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    root text;
BEGIN
    IF reason_subject IS NOT NULL AND reason_subject NOT LIKE 'did:%'
       AND current_setting('wintermute.thread_mutes_empty', true) IS DISTINCT FROM 'on' THEN
        SELECT coalesce(p."replyRoot", p.uri) INTO root FROM post p WHERE p.uri = reason_subject;
        IF FOUND AND EXISTS (SELECT 1 FROM thread_mute m
                             WHERE m."rootUri" = root AND m."mutedByDid" = recipient) THEN
            RETURN;
        END IF;
    END IF;
    INSERT INTO notification (did, "recordUri", "recordCid", author, reason, "reasonSubject", "sortAt")
    VALUES (recipient, record_uri, record_cid, author, reason, reason_subject, sort_at);
END $$;

CREATE OR REPLACE FUNCTION wintermute.insert_post_embeds(post_uri text, post_cid text, creator text, j jsonb,
                                                         t text, created_at text) RETURNS boolean
    LANGUAGE plpgsql AS $$
DECLARE
    embed jsonb;
    kind text;
    rec jsonb;
    violates boolean := false;
    gate_json jsonb;
BEGIN
    IF j -> 'embed' IS NULL THEN
        RETURN false;  -- post_embeds(j) is empty: skip its set-returning call
    END IF;
    FOR embed IN SELECT * FROM wintermute.post_embeds(j) LOOP
        kind := embed ->> '$type';
        IF kind = 'app.bsky.embed.images' THEN
            INSERT INTO post_embed_image ("postUri", position, "imageCid", alt)
            SELECT post_uri, (i.ord - 1)::text, wintermute.blob_cid(i.img -> 'image'), i.img ->> 'alt'
            FROM jsonb_array_elements(embed -> 'images') WITH ORDINALITY AS i(img, ord);
        ELSIF kind = 'app.bsky.embed.external' THEN
            INSERT INTO post_embed_external ("postUri", uri, title, description, "thumbCid")
            VALUES (post_uri, embed -> 'external' ->> 'uri', embed -> 'external' ->> 'title',
                    embed -> 'external' ->> 'description', wintermute.blob_cid(embed -> 'external' -> 'thumb'));
        ELSIF kind = 'app.bsky.embed.video' THEN
            INSERT INTO post_embed_video ("postUri", "videoCid", alt)
            VALUES (post_uri, wintermute.blob_cid(embed -> 'video'), embed ->> 'alt');
        ELSIF kind = 'app.bsky.embed.gallery' THEN
            INSERT INTO post_embed_gallery_image ("postUri", position, "imageCid", alt)
            SELECT post_uri, (i.ord - 1)::text, wintermute.blob_cid(i.item -> 'image'), i.item ->> 'alt'
            FROM jsonb_array_elements(embed -> 'items') WITH ORDINALITY AS i(item, ord)
            WHERE i.item ->> '$type' = 'app.bsky.embed.gallery#image';
        ELSIF kind = 'app.bsky.embed.record' THEN
            rec := embed -> 'record';
            INSERT INTO post_embed_record ("postUri", "embedUri", "embedCid")
            VALUES (post_uri, rec ->> 'uri', rec ->> 'cid');
            IF wintermute.uri_collection(rec ->> 'uri') = 'app.bsky.feed.post' THEN
                INSERT INTO quote (uri, cid, subject, "subjectCid", "createdAt", "indexedAt")
                VALUES (post_uri, post_cid, rec ->> 'uri', rec ->> 'cid', created_at, t)
                ON CONFLICT DO NOTHING;
                PERFORM wintermute.recount_quotes(rec ->> 'uri', rec ->> 'cid');
                SELECT r.json::jsonb INTO gate_json FROM record r
                WHERE r.uri = 'at://' || wintermute.uri_did(rec ->> 'uri') || '/app.bsky.feed.postgate/'
                              || wintermute.uri_rkey(rec ->> 'uri');
                IF gate_json IS NOT NULL AND creator <> wintermute.uri_did(rec ->> 'uri')
                   AND gate_json -> 'embeddingRules' @> '[{"$type":"app.bsky.feed.postgate#disableRule"}]' THEN
                    violates := true;
                    UPDATE post SET "violatesEmbeddingRules" = true WHERE uri = post_uri;
                END IF;
            END IF;
        END IF;
    END LOOP;
    RETURN violates;
END $$;

CREATE OR REPLACE FUNCTION wintermute.notify_post(post_uri text, j jsonb) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    p post%ROWTYPE;
    notified text[];
    target text;
    embed jsonb;
    gate_json jsonb;
    anc_uris text[];
    anc_heights int[];
    parent text;
    up record;
    des record;
BEGIN
    SELECT * INTO p FROM post WHERE uri = post_uri;
    notified := ARRAY[p.creator];
    IF j -> 'facets' IS NOT NULL THEN
        FOR target IN
            SELECT feat ->> 'did'
            FROM jsonb_array_elements(j -> 'facets') WITH ORDINALITY f(facet, i),
                 jsonb_array_elements(coalesce(f.facet -> 'features', '[]')) WITH ORDINALITY x(feat, k)
            WHERE feat ->> '$type' = 'app.bsky.richtext.facet#mention' ORDER BY f.i, x.k
        LOOP
            IF target IS NOT NULL AND NOT target = ANY (notified) THEN
                notified := notified || target;
                PERFORM wintermute.notify(target, p.creator, p.uri, p.cid, 'mention', NULL, p."sortAt");
            END IF;
        END LOOP;
    END IF;
    IF NOT coalesce(p."violatesEmbeddingRules", false) AND j -> 'embed' IS NOT NULL THEN
        FOR embed IN SELECT * FROM wintermute.post_embeds(j) LOOP
            IF embed ->> '$type' = 'app.bsky.embed.record'
               AND wintermute.uri_collection(embed -> 'record' ->> 'uri') = 'app.bsky.feed.post' THEN
                target := wintermute.uri_did(embed -> 'record' ->> 'uri');
                IF NOT target = ANY (notified) THEN
                    notified := notified || target;
                    PERFORM wintermute.notify(target, p.creator, p.uri, p.cid, 'quote',
                                              embed -> 'record' ->> 'uri', p."sortAt");
                END IF;
            END IF;
        END LOOP;
    END IF;
    IF coalesce(p."violatesThreadGate", false) THEN
        RETURN;
    END IF;

    -- The walk up, one primary-key lookup per level (the recursive CTE it replaces was planned once
    -- per session, on an empty table, as a sequential scan of post per call).
    anc_uris := ARRAY[p.uri];
    anc_heights := ARRAY[0];
    parent := p."replyParent";
    WHILE parent IS NOT NULL AND array_length(anc_uris, 1) <= 5 LOOP
        SELECT a.uri, a."replyParent" INTO up FROM post a WHERE a.uri = parent;
        EXIT WHEN NOT FOUND;
        anc_heights := anc_heights || array_length(anc_uris, 1);
        anc_uris := anc_uris || up.uri::text;
        parent := up."replyParent";
    END LOOP;
    IF array_length(anc_uris, 1) > 1 THEN
        SELECT r.json::jsonb INTO gate_json FROM record r
        WHERE r.uri = 'at://' || wintermute.uri_did(coalesce(p."replyRoot", p.uri)) || '/app.bsky.feed.threadgate/'
                      || wintermute.uri_rkey(coalesce(p."replyRoot", p.uri));
    END IF;

    FOR i IN 1 .. coalesce(array_length(anc_uris, 1), 0) LOOP
        CONTINUE WHEN anc_heights[i] NOT BETWEEN 1 AND 4;
        target := wintermute.uri_did(anc_uris[i]);
        IF NOT target = ANY (notified) THEN
            notified := notified || target;
            PERFORM wintermute.notify(target, p.creator, p.uri, p.cid, 'reply', anc_uris[i], p."sortAt");
        END IF;
        EXIT WHEN coalesce(gate_json -> 'hiddenReplies' @> to_jsonb(ARRAY[anc_uris[i]]), false);
    END LOOP;

    -- Replies indexed before their parent are rare: probe the index before the recursive walk.
    IF NOT EXISTS (SELECT 1 FROM post c WHERE c."replyParent" = p.uri) THEN
        RETURN;
    END IF;
    FOR des IN
        WITH RECURSIVE descendant(uri, depth) AS (
            SELECT c.uri, 1 FROM post c WHERE c."replyParent" = p.uri
            UNION ALL
            SELECT c.uri, descendant.depth + 1
            FROM post c JOIN descendant ON c."replyParent" = descendant.uri
            WHERE descendant.depth < 5
        )
        SELECT d.uri, d.depth, c.cid, c.creator, c."sortAt"
        FROM descendant d JOIN post c ON c.uri = d.uri ORDER BY d.depth, c."sortAt", d.uri
    LOOP
        FOR i IN 1 .. coalesce(array_length(anc_uris, 1), 0) LOOP
            CONTINUE WHEN des.depth + anc_heights[i] >= 5;
            target := wintermute.uri_did(anc_uris[i]);
            IF NOT target = ANY (notified) THEN
                notified := notified || target;
                PERFORM wintermute.notify(target, des.creator, des.uri, des.cid, 'reply', anc_uris[i],
                                          des."sortAt");
            END IF;
        END LOOP;
    END LOOP;
END $$;

-- The writer's staging tables keep their rows across commits: ON COMMIT DELETE ROWS truncates
-- every such table at each commit, a file truncation per table that cost 10-16 ms per commit on
-- the development VM, more than a whole small live batch. apply_batch empties them itself, in the
-- batch's transaction (a rolled-back batch leaves them as empty as it found them), and truncates
-- one only when its dead rows have made it large (temporary tables are never autovacuumed).
CREATE OR REPLACE FUNCTION wintermute.prepare_session() RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS wm_op (
        ord bigint NOT NULL, seq bigint, kind text NOT NULL, did text, uri text, cid text, rev text, t text,
        json text, created_at text, extra text) ON COMMIT PRESERVE ROWS;
    CREATE TEMP TABLE IF NOT EXISTS wm_post_agg_delta (uri text, likes int, replies int, reposts int)
        ON COMMIT PRESERVE ROWS;
    CREATE TEMP TABLE IF NOT EXISTS wm_profile_agg_delta (did text, followers int, follows int, posts int)
        ON COMMIT PRESERVE ROWS;
    CREATE TEMP TABLE IF NOT EXISTS wm_backfill_repo (
        did text PRIMARY KEY, cid text NOT NULL, rev text NOT NULL, t text NOT NULL,
        discarded text) ON COMMIT PRESERVE ROWS;
    CREATE TEMP TABLE IF NOT EXISTS wm_backfill_seen (did text, uri text, PRIMARY KEY (did, uri))
        ON COMMIT PRESERVE ROWS;
    CREATE TEMP TABLE IF NOT EXISTS wm_repo_outcome (did text, outcome text, detail text)
        ON COMMIT PRESERVE ROWS;
END $$;

-- Empties the writer session's staging tables at the end of a batch: DELETE (apply_agg_deltas has
-- emptied the delta tables already), and TRUNCATE a table once its dead rows outgrew 4 MiB. Static
-- statements, so that their plans are cached for the session.
CREATE OR REPLACE FUNCTION wintermute.empty_staging() RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM wm_op;
    IF pg_relation_size('wm_op') > 4 * 1024 * 1024 THEN
        TRUNCATE wm_op;
    END IF;
    IF pg_relation_size('wm_post_agg_delta') > 4 * 1024 * 1024 THEN
        TRUNCATE wm_post_agg_delta;
    END IF;
    IF pg_relation_size('wm_profile_agg_delta') > 4 * 1024 * 1024 THEN
        TRUNCATE wm_profile_agg_delta;
    END IF;
END $$;

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
    DELETE FROM wm_repo_outcome;  -- the previous batch's, which its client has read
    PERFORM set_config('wintermute.thread_mutes_empty',
                       CASE WHEN EXISTS (SELECT 1 FROM thread_mute) THEN 'off' ELSE 'on' END, true);
    FOR op IN SELECT * FROM wm_op ORDER BY ord LOOP
        CASE op.kind
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
    PERFORM wintermute.empty_staging();
END $$;
