-- wintermute indexer, part 8: every aggregate row is locked at the end of the batch, in key order.
--
-- Until now quoteCount was recounted where the quote was inserted or deleted, in the middle of the
-- batch: that upsert locked a post_agg row early, while apply_agg_deltas locks the others at the
-- end in URI order. Two writers (the live writer and a backfill writer, or several backfill
-- writers) then lock post_agg rows in different orders and deadlock: with two backfill writers,
-- 31 deadlocks and a third of one writer's rate (docs/benchmarks.md "Backfill"). Now a recount
-- still counts at once (the count only reads `quote`) but keeps the result in the session (the
-- last count of a subject in the batch wins, as it was the last to be written), and
-- apply_agg_deltas writes it in the same statement, in URI order, as the likes', replies' and
-- reposts' deltas. Counting at the end of the batch instead would differ: deleting a post deletes
-- the quotes of it without a recount, and the reference keeps the count it had.
SET LOCAL search_path TO bsky, public;

-- The writer session's staging tables, plus the subjects to recount (one row per subject URI).
ALTER FUNCTION wintermute.prepare_session() RENAME TO prepare_session_0008;
CREATE FUNCTION wintermute.prepare_session() RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM wintermute.prepare_session_0008();
    CREATE TEMP TABLE IF NOT EXISTS wm_quote_recount (uri text PRIMARY KEY, quotes bigint NOT NULL) ON COMMIT PRESERVE ROWS;
END $$;

-- (plpgsql: wm_quote_recount is a session's temporary table, absent when this migration runs.)
CREATE OR REPLACE FUNCTION wintermute.recount_quotes(subject text, subject_cid text) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO wm_quote_recount (uri, quotes)
    VALUES (subject, (SELECT count(*) FROM quote q WHERE q.subject = recount_quotes.subject
                                                   AND q."subjectCid" = recount_quotes.subject_cid))
    ON CONFLICT (uri) DO UPDATE SET quotes = excluded.quotes;
END $$;

-- One upsert of post_agg and one of profile_agg, each in key order. A recounted subject's
-- quoteCount is its last count (the quotes of that URI with that CID, see migration 0004); the
-- other rows keep theirs. A zero delta still creates the row, as the reference's recount does.
CREATE OR REPLACE FUNCTION wintermute.apply_agg_deltas() RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    WITH d AS (
        SELECT uri, sum(likes) AS likes, sum(replies) AS replies, sum(reposts) AS reposts
        FROM wm_post_agg_delta GROUP BY uri),
    q AS (SELECT uri, quotes FROM wm_quote_recount)
    INSERT INTO post_agg AS a (uri, "likeCount", "replyCount", "repostCount", "quoteCount")
    SELECT coalesce(d.uri, q.uri), coalesce(d.likes, 0), coalesce(d.replies, 0), coalesce(d.reposts, 0),
           coalesce(q.quotes, 0)
    FROM d FULL JOIN q ON q.uri = d.uri
    ORDER BY 1
    ON CONFLICT (uri) DO UPDATE SET
        "likeCount" = a."likeCount" + excluded."likeCount",
        "replyCount" = a."replyCount" + excluded."replyCount",
        "repostCount" = a."repostCount" + excluded."repostCount",
        "quoteCount" = CASE WHEN EXISTS (SELECT 1 FROM wm_quote_recount r WHERE r.uri = excluded.uri)
                            THEN excluded."quoteCount" ELSE a."quoteCount" END;
    INSERT INTO profile_agg AS a (did, "followersCount", "followsCount", "postsCount")
    SELECT did, sum(followers), sum(follows), sum(posts) FROM wm_profile_agg_delta GROUP BY did ORDER BY did
    ON CONFLICT (did) DO UPDATE SET
        "followersCount" = a."followersCount" + excluded."followersCount",
        "followsCount" = a."followsCount" + excluded."followsCount",
        "postsCount" = a."postsCount" + excluded."postsCount";
    DELETE FROM wm_post_agg_delta;
    DELETE FROM wm_profile_agg_delta;
    DELETE FROM wm_quote_recount;
    IF pg_relation_size('wm_quote_recount') > 1024 * 1024 THEN
        TRUNCATE wm_quote_recount;  -- temporary tables are never vacuumed
    END IF;
END $$;
