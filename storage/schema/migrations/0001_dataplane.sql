-- The bsky app-view dataplane schema as left by @atproto/bsky 0.0.280's 61 kysely
-- migrations (final state, written from shared/spec/dataplane-schema.md), plus the
-- kysely bookkeeping that makes bsky's own migrator find nothing to apply.
-- Every name is schema-qualified: this file does not depend on search_path.

CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
CREATE SCHEMA IF NOT EXISTS bsky;

-- kysely bookkeeping
CREATE TABLE bsky.kysely_migration (
    name varchar(255) PRIMARY KEY,
    "timestamp" varchar(255) NOT NULL
);
CREATE TABLE bsky.kysely_migration_lock (
    id varchar(255) PRIMARY KEY,
    is_locked integer NOT NULL DEFAULT 0
);
INSERT INTO bsky.kysely_migration_lock (id, is_locked) VALUES ('migration_lock', 0);
INSERT INTO bsky.kysely_migration (name, "timestamp")
SELECT n, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
FROM unnest(ARRAY[
    '_20230309T045948368Z', '_20230408T152211201Z', '_20230417T210628672Z', '_20230420T211446071Z',
    '_20230427T194702079Z', '_20230605T144730094Z', '_20230607T211442112Z', '_20230608T155101190Z',
    '_20230608T201813132Z', '_20230608T205147239Z', '_20230609T153623961Z', '_20230609T232122649Z',
    '_20230610T203555962Z', '_20230611T215300060Z', '_20230620T161134972Z', '_20230627T212437895Z',
    '_20230629T220835893Z', '_20230703T045536691Z', '_20230720T164800037Z', '_20230807T035309811Z',
    '_20230808T172902639Z', '_20230810T203349843Z', '_20230817T195936007Z', '_20230830T205507322Z',
    '_20230904T211011773Z', '_20230906T222220386Z', '_20230920T213858047Z', '_20230929T192920807Z',
    '_20231003T202833377Z', '_20231220T225126090Z', '_20240124T023719200Z', '_20240226T225725627Z',
    '_20240530T170337073Z', '_20240606T171229898Z', '_20240606T222548219Z', '_20240719T203853939Z',
    '_20240723T220700077Z', '_20240723T220703655Z', '_20240801T193939827Z', '_20240808T224251220Z',
    '_20240829T211238293Z', '_20240831T134810923Z', '_20241114T153108102Z', '_20250116T222618297Z',
    '_20250207T174822012Z', '_20250404T163421487Z', '_20250526T023712742Z', '_20250528T221913281Z',
    '_20250602T190357447Z', '_20250611T140649895Z', '_20250627T025331240Z', '_20250812T183735692Z',
    '_20250813T174955711Z', '_20251120T004738098Z', '_20260112T133951271Z', '_20260604T224952774Z',
    '_20260618T200000000Z', '_20260729T223157563Z', '_20260819T170000000Z', '_20260827T200000000Z',
    '_20260904T130000000Z'
]) AS n;

-- identity and sync state
CREATE TABLE bsky.actor (
    did varchar PRIMARY KEY,
    handle varchar UNIQUE,
    "indexedAt" varchar NOT NULL,
    "takedownRef" varchar,
    "upstreamStatus" varchar,
    "trustedVerifier" boolean NOT NULL DEFAULT false,
    "ageAssuranceStatus" text,
    "ageAssuranceLastInitiatedAt" varchar,
    "ageAssuranceAccess" text,
    "ageAssuranceCountryCode" text,
    "ageAssuranceRegionCode" text
);
CREATE INDEX actor_handle_tgrm_idx ON bsky.actor USING gist (handle public.gist_trgm_ops);

CREATE TABLE bsky.actor_sync (
    did varchar PRIMARY KEY,
    "commitCid" varchar NOT NULL,
    "repoRev" varchar
);
CREATE TABLE bsky.actor_state (
    did varchar PRIMARY KEY,
    "lastSeenNotifs" varchar NOT NULL,
    "priorityNotifs" boolean NOT NULL DEFAULT false
);
CREATE TABLE bsky.did_cache (
    did varchar PRIMARY KEY,
    doc jsonb NOT NULL,
    "updatedAt" bigint NOT NULL
);
CREATE TABLE bsky.subscription (
    service varchar NOT NULL,
    method varchar NOT NULL,
    state varchar NOT NULL,
    PRIMARY KEY (service, method)
);

-- generic record store
CREATE TABLE bsky.record (
    uri varchar PRIMARY KEY,
    cid varchar NOT NULL,
    did varchar NOT NULL,
    json text NOT NULL,
    "indexedAt" varchar NOT NULL,
    "takedownRef" varchar,
    tags jsonb
);
CREATE INDEX record_did_idx ON bsky.record (did);
CREATE TABLE bsky.duplicate_record (
    uri varchar PRIMARY KEY,
    cid varchar NOT NULL,
    "duplicateOf" varchar NOT NULL,
    "indexedAt" varchar NOT NULL
);
CREATE INDEX duplicate_record_duplicate_of_idx ON bsky.duplicate_record ("duplicateOf");

-- profiles
CREATE TABLE bsky.profile (
    uri varchar PRIMARY KEY,
    cid varchar NOT NULL,
    creator varchar NOT NULL,
    "displayName" varchar,
    description varchar,
    "avatarCid" varchar,
    "bannerCid" varchar,
    "indexedAt" varchar NOT NULL,
    "joinedViaStarterPackUri" varchar,
    "createdAt" varchar NOT NULL,
    "pinnedPost" varchar,
    "pinnedPostCid" varchar
);
CREATE INDEX profile_creator_idx ON bsky.profile (creator);
CREATE INDEX profile_display_name_tgrm_idx ON bsky.profile USING gist ("displayName" public.gist_trgm_ops);
CREATE INDEX profile_starter_pack_joined_idx ON bsky.profile ("joinedViaStarterPackUri", "createdAt");
CREATE TABLE bsky.profile_agg (
    did varchar PRIMARY KEY,
    "followersCount" bigint NOT NULL DEFAULT 0,
    "followsCount" bigint NOT NULL DEFAULT 0,
    "postsCount" bigint NOT NULL DEFAULT 0
);

-- posts
CREATE TABLE bsky.post (
    uri varchar PRIMARY KEY,
    cid varchar NOT NULL,
    creator varchar NOT NULL,
    text varchar NOT NULL,
    "replyRoot" varchar,
    "replyRootCid" varchar,
    "replyParent" varchar,
    "replyParentCid" varchar,
    "createdAt" varchar NOT NULL,
    "indexedAt" varchar NOT NULL,
    "sortAt" varchar NOT NULL GENERATED ALWAYS AS (least("createdAt", "indexedAt")) STORED,
    langs jsonb,
    "invalidReplyRoot" boolean,
    "violatesThreadGate" boolean,
    tags jsonb,
    "violatesEmbeddingRules" boolean,
    "hasThreadGate" boolean,
    "hasPostGate" boolean
);
CREATE INDEX post_replyparent_idx ON bsky.post ("replyParent") INCLUDE (uri);
CREATE INDEX post_order_by_idx ON bsky.post ("sortAt", cid);
CREATE INDEX post_creator_cursor_idx ON bsky.post (creator, "sortAt", cid);
CREATE TABLE bsky.post_agg (
    uri varchar PRIMARY KEY,
    "likeCount" bigint NOT NULL DEFAULT 0,
    "replyCount" bigint NOT NULL DEFAULT 0,
    "repostCount" bigint NOT NULL DEFAULT 0,
    "quoteCount" bigint NOT NULL DEFAULT 0,
    "bookmarkCount" bigint NOT NULL DEFAULT 0
);
CREATE TABLE bsky.post_embed_image (
    "postUri" varchar NOT NULL,
    "position" varchar NOT NULL,
    "imageCid" varchar NOT NULL,
    alt varchar NOT NULL,
    PRIMARY KEY ("postUri", "position")
);
CREATE TABLE bsky.post_embed_gallery_image (
    "postUri" varchar NOT NULL,
    "position" varchar NOT NULL,
    "imageCid" varchar NOT NULL,
    alt varchar NOT NULL,
    PRIMARY KEY ("postUri", "position")
);
CREATE TABLE bsky.post_embed_external (
    "postUri" varchar PRIMARY KEY,
    uri varchar NOT NULL,
    title varchar NOT NULL,
    description varchar NOT NULL,
    "thumbCid" varchar
);
CREATE TABLE bsky.post_embed_record (
    "postUri" varchar NOT NULL,
    "embedUri" varchar NOT NULL,
    "embedCid" varchar NOT NULL,
    PRIMARY KEY ("postUri", "embedUri")
);
CREATE TABLE bsky.post_embed_video (
    "postUri" varchar PRIMARY KEY,
    "videoCid" varchar NOT NULL,
    alt varchar
);
CREATE TABLE bsky.quote (
    uri varchar PRIMARY KEY,
    cid varchar NOT NULL,
    subject varchar NOT NULL,
    "subjectCid" varchar NOT NULL,
    "createdAt" varchar NOT NULL,
    "indexedAt" varchar NOT NULL,
    "sortAt" varchar NOT NULL GENERATED ALWAYS AS (least("createdAt", "indexedAt")) STORED
);
CREATE INDEX quote_subject_cursor_idx ON bsky.quote (subject, "sortAt", cid);
CREATE TABLE bsky.op_thread_reply (
    "rootUri" varchar NOT NULL,
    "parentUri" varchar NOT NULL,
    uri varchar NOT NULL,
    "deletedAt" varchar,
    PRIMARY KEY ("rootUri", uri)
);
CREATE TABLE bsky.thread_gate (
    uri varchar PRIMARY KEY,
    cid varchar NOT NULL,
    creator varchar NOT NULL,
    "postUri" varchar NOT NULL UNIQUE,
    "createdAt" varchar NOT NULL,
    "indexedAt" varchar NOT NULL
);
CREATE TABLE bsky.post_gate (
    uri varchar PRIMARY KEY,
    cid varchar NOT NULL,
    creator varchar NOT NULL,
    "postUri" varchar NOT NULL UNIQUE,
    "createdAt" varchar NOT NULL,
    "indexedAt" varchar NOT NULL
);

-- feed items, reposts, likes
CREATE TABLE bsky.feed_item (
    uri varchar PRIMARY KEY,
    cid varchar NOT NULL,
    type varchar NOT NULL,
    "postUri" varchar NOT NULL,
    "originatorDid" varchar NOT NULL,
    "sortAt" varchar NOT NULL
);
CREATE INDEX feed_item_cursor_idx ON bsky.feed_item ("sortAt", cid);
CREATE INDEX feed_item_originator_cursor_idx ON bsky.feed_item ("originatorDid", "sortAt", cid);
CREATE INDEX feed_item_post_uri_idx ON bsky.feed_item ("postUri");
CREATE TABLE bsky.repost (
    uri varchar PRIMARY KEY,
    cid varchar NOT NULL,
    creator varchar NOT NULL,
    subject varchar NOT NULL,
    "subjectCid" varchar NOT NULL,
    "createdAt" varchar NOT NULL,
    "indexedAt" varchar NOT NULL,
    "sortAt" varchar NOT NULL GENERATED ALWAYS AS (least("createdAt", "indexedAt")) STORED,
    via varchar,
    "viaCid" varchar,
    CONSTRAINT repost_unique_subject UNIQUE (creator, subject)
);
CREATE INDEX repost_subject_idx ON bsky.repost (subject);
CREATE INDEX repost_order_by_idx ON bsky.repost ("sortAt", cid);
CREATE TABLE bsky."like" (
    uri varchar PRIMARY KEY,
    cid varchar NOT NULL,
    creator varchar NOT NULL,
    subject varchar NOT NULL,
    "subjectCid" varchar NOT NULL,
    "createdAt" varchar NOT NULL,
    "indexedAt" varchar NOT NULL,
    "sortAt" varchar NOT NULL GENERATED ALWAYS AS (least("createdAt", "indexedAt")) STORED,
    via varchar,
    "viaCid" varchar,
    CONSTRAINT like_unique_subject UNIQUE (subject, creator)
);
CREATE INDEX like_creator_cursor_idx ON bsky."like" (creator, "sortAt", cid);
CREATE INDEX like_subject_sort_at_creator_idx ON bsky."like" (subject, "sortAt" DESC) INCLUDE (creator);

-- graph
CREATE TABLE bsky.follow (
    uri varchar PRIMARY KEY,
    cid varchar NOT NULL,
    creator varchar NOT NULL,
    "subjectDid" varchar NOT NULL,
    "createdAt" varchar NOT NULL,
    "indexedAt" varchar NOT NULL,
    "sortAt" varchar NOT NULL GENERATED ALWAYS AS (least("createdAt", "indexedAt")) STORED,
    CONSTRAINT follow_unique_subject UNIQUE (creator, "subjectDid")
);
CREATE INDEX follow_creator_cursor_idx ON bsky.follow (creator, "sortAt", cid);
CREATE INDEX follow_subject_cursor_idx ON bsky.follow ("subjectDid", "sortAt", cid);
CREATE TABLE bsky.actor_block (
    uri varchar PRIMARY KEY,
    cid varchar NOT NULL,
    creator varchar NOT NULL,
    "subjectDid" varchar NOT NULL,
    "createdAt" varchar NOT NULL,
    "indexedAt" varchar NOT NULL,
    "sortAt" varchar NOT NULL GENERATED ALWAYS AS (least("createdAt", "indexedAt")) STORED,
    CONSTRAINT actor_block_unique_subject UNIQUE (creator, "subjectDid")
);
CREATE INDEX actor_block_subjectdid_idx ON bsky.actor_block ("subjectDid");
CREATE TABLE bsky.list (
    uri varchar PRIMARY KEY,
    cid varchar NOT NULL,
    creator varchar NOT NULL,
    name varchar NOT NULL,
    purpose varchar NOT NULL,
    description varchar,
    "descriptionFacets" varchar,
    "avatarCid" varchar,
    "createdAt" varchar NOT NULL,
    "indexedAt" varchar NOT NULL,
    "sortAt" varchar NOT NULL GENERATED ALWAYS AS (least("createdAt", "indexedAt")) STORED
);
CREATE INDEX list_creator_idx ON bsky.list (creator);
CREATE TABLE bsky.list_item (
    uri varchar PRIMARY KEY,
    cid varchar NOT NULL,
    creator varchar NOT NULL,
    "subjectDid" varchar NOT NULL,
    "listUri" varchar NOT NULL,
    "createdAt" varchar NOT NULL,
    "indexedAt" varchar NOT NULL,
    "sortAt" varchar NOT NULL GENERATED ALWAYS AS (least("createdAt", "indexedAt")) STORED,
    CONSTRAINT list_item_unique_subject_in_list UNIQUE ("listUri", "subjectDid")
);
CREATE INDEX list_item_creator_idx ON bsky.list_item (creator);
CREATE INDEX list_item_subject_idx ON bsky.list_item ("subjectDid");
CREATE TABLE bsky.list_block (
    uri varchar PRIMARY KEY,
    cid varchar NOT NULL,
    creator varchar NOT NULL,
    "subjectUri" varchar NOT NULL,
    "createdAt" varchar NOT NULL,
    "indexedAt" varchar NOT NULL,
    "sortAt" varchar NOT NULL GENERATED ALWAYS AS (least("createdAt", "indexedAt")) STORED,
    CONSTRAINT list_block_unique_subject UNIQUE (creator, "subjectUri")
);
CREATE TABLE bsky.reference_list_opt_out (
    uri varchar PRIMARY KEY,
    cid varchar NOT NULL,
    creator varchar NOT NULL,
    "subjectUri" varchar NOT NULL,
    "createdAt" varchar NOT NULL,
    "indexedAt" varchar NOT NULL,
    "sortAt" varchar NOT NULL GENERATED ALWAYS AS (least("createdAt", "indexedAt")) STORED,
    CONSTRAINT reference_list_opt_out_unique_subject UNIQUE (creator, "subjectUri")
);
CREATE TABLE bsky.mute (
    "subjectDid" varchar NOT NULL,
    "mutedByDid" varchar NOT NULL,
    "createdAt" varchar NOT NULL,
    "onlyReposts" boolean NOT NULL DEFAULT false,
    "onlyQuoteposts" boolean NOT NULL DEFAULT false,
    PRIMARY KEY ("mutedByDid", "subjectDid")
);
CREATE TABLE bsky.list_mute (
    "listUri" varchar NOT NULL,
    "mutedByDid" varchar NOT NULL,
    "createdAt" varchar NOT NULL,
    PRIMARY KEY ("mutedByDid", "listUri")
);
CREATE TABLE bsky.thread_mute (
    "rootUri" varchar NOT NULL,
    "mutedByDid" varchar NOT NULL,
    "createdAt" varchar NOT NULL,
    PRIMARY KEY ("rootUri", "mutedByDid")
);

-- feed generators, labelers, starter packs, verification
CREATE TABLE bsky.feed_generator (
    uri varchar PRIMARY KEY,
    cid varchar NOT NULL,
    creator varchar NOT NULL,
    "feedDid" varchar NOT NULL,
    "displayName" varchar,
    description varchar,
    "descriptionFacets" varchar,
    "avatarCid" varchar,
    "createdAt" varchar NOT NULL,
    "indexedAt" varchar NOT NULL,
    "sortAt" varchar NOT NULL GENERATED ALWAYS AS (least("createdAt", "indexedAt")) STORED
);
CREATE INDEX feed_generator_creator_index ON bsky.feed_generator (creator);
CREATE TABLE bsky.labeler (
    uri varchar PRIMARY KEY,
    cid varchar NOT NULL,
    creator varchar NOT NULL,
    "createdAt" varchar NOT NULL,
    "indexedAt" varchar NOT NULL,
    "sortAt" varchar NOT NULL GENERATED ALWAYS AS (least("createdAt", "indexedAt")) STORED
);
CREATE INDEX labeler_order_by_idx ON bsky.labeler ("sortAt", cid);
CREATE TABLE bsky.starter_pack (
    uri varchar PRIMARY KEY,
    cid varchar NOT NULL,
    creator varchar NOT NULL,
    "createdAt" varchar NOT NULL,
    "indexedAt" varchar NOT NULL,
    "sortAt" varchar NOT NULL GENERATED ALWAYS AS (least("createdAt", "indexedAt")) STORED,
    name varchar
);
CREATE INDEX starter_pack_creator_order_by_idx ON bsky.starter_pack (creator, "sortAt", cid);
CREATE INDEX starter_pack_name_tgrm_idx ON bsky.starter_pack USING gist (name public.gist_trgm_ops);
CREATE TABLE bsky.verification (
    uri varchar PRIMARY KEY,
    cid varchar NOT NULL,
    rkey varchar NOT NULL,
    creator varchar NOT NULL,
    subject varchar NOT NULL,
    handle varchar NOT NULL,
    "displayName" varchar NOT NULL,
    "createdAt" varchar NOT NULL,
    "indexedAt" varchar NOT NULL,
    "sortedAt" varchar NOT NULL GENERATED ALWAYS AS (least("createdAt", "indexedAt")) STORED,
    CONSTRAINT verification_unique_subject_creator UNIQUE (subject, creator)
);

-- notifications
CREATE TABLE bsky.notification (
    id bigserial PRIMARY KEY,
    did varchar NOT NULL,
    "recordUri" varchar NOT NULL,
    "recordCid" varchar NOT NULL,
    author varchar NOT NULL,
    reason varchar NOT NULL,
    "reasonSubject" varchar,
    "sortAt" varchar NOT NULL
);
CREATE INDEX notification_did_sortat_idx ON bsky.notification (did, "sortAt");
CREATE INDEX notification_author_idx ON bsky.notification (author);
CREATE INDEX notification_record_idx ON bsky.notification ("recordUri");
CREATE TABLE bsky.notification_push_token (
    did varchar NOT NULL,
    platform varchar NOT NULL,
    token varchar NOT NULL,
    "appId" varchar NOT NULL,
    PRIMARY KEY (did, token)
);
CREATE TABLE bsky.activity_subscription (
    creator varchar NOT NULL,
    "subjectDid" varchar NOT NULL,
    key varchar NOT NULL,
    "indexedAt" varchar NOT NULL,
    post boolean NOT NULL,
    reply boolean NOT NULL,
    PRIMARY KEY (creator, key),
    CONSTRAINT activity_subscription_unique_creator_subject_did UNIQUE (creator, "subjectDid")
);

-- labels
CREATE TABLE bsky.label (
    src varchar NOT NULL,
    uri varchar NOT NULL,
    cid varchar NOT NULL,
    val varchar NOT NULL,
    neg boolean NOT NULL,
    cts varchar NOT NULL,
    exp varchar,
    PRIMARY KEY (src, uri, cid, val)
);
CREATE INDEX label_uri_index ON bsky.label (uri);
CREATE INDEX label_cts_idx ON bsky.label (cts);

-- app state written by other bsky paths
CREATE TABLE bsky.blob_takedown (
    did varchar NOT NULL,
    cid varchar NOT NULL,
    "takedownRef" varchar NOT NULL,
    PRIMARY KEY (did, cid)
);
CREATE TABLE bsky.private_data (
    "actorDid" varchar NOT NULL,
    namespace varchar NOT NULL,
    key varchar NOT NULL,
    payload text NOT NULL,
    "indexedAt" varchar NOT NULL,
    "updatedAt" varchar NOT NULL,
    PRIMARY KEY ("actorDid", namespace, key)
);
CREATE TABLE bsky.bookmark (
    creator varchar NOT NULL,
    key varchar NOT NULL,
    "subjectUri" varchar NOT NULL,
    "subjectCid" varchar NOT NULL,
    "indexedAt" varchar NOT NULL,
    PRIMARY KEY (creator, key),
    CONSTRAINT bookmark_unique_uri_creator UNIQUE ("subjectUri", creator)
);
CREATE TABLE bsky.draft (
    creator varchar NOT NULL,
    key varchar NOT NULL,
    "createdAt" varchar NOT NULL,
    "updatedAt" varchar NOT NULL,
    payload text NOT NULL,
    PRIMARY KEY (creator, key)
);
CREATE INDEX draft_creator_updated_at_key_idx ON bsky.draft (creator, "updatedAt", key);
CREATE TABLE bsky.suggested_follow (
    did varchar PRIMARY KEY,
    "order" integer NOT NULL
);
CREATE TABLE bsky.suggested_feed (
    uri varchar PRIMARY KEY,
    "order" integer NOT NULL
);
CREATE TABLE bsky.tagged_suggestion (
    tag varchar NOT NULL,
    subject varchar NOT NULL,
    "subjectType" varchar NOT NULL,
    PRIMARY KEY (tag, subject)
);

-- legacy moderation tables (unused by the dataplane, kept for fidelity)
CREATE TABLE bsky.moderation_action (
    id serial PRIMARY KEY,
    action varchar NOT NULL,
    "subjectType" varchar NOT NULL,
    "subjectDid" varchar NOT NULL,
    "subjectUri" varchar,
    "subjectCid" varchar,
    reason text NOT NULL,
    "createdAt" varchar NOT NULL,
    "createdBy" varchar NOT NULL,
    "reversedAt" varchar,
    "reversedBy" varchar,
    "reversedReason" text,
    "createLabelVals" varchar,
    "negateLabelVals" varchar,
    "durationInHours" integer,
    "expiresAt" varchar
);
CREATE TABLE bsky.moderation_action_subject_blob (
    "actionId" integer NOT NULL REFERENCES bsky.moderation_action (id),
    cid varchar NOT NULL,
    PRIMARY KEY ("actionId", cid)
);
CREATE INDEX moderation_action_subject_blob_cid_idx ON bsky.moderation_action_subject_blob (cid);
CREATE TABLE bsky.moderation_report (
    id serial PRIMARY KEY,
    "subjectType" varchar NOT NULL,
    "subjectDid" varchar NOT NULL,
    "subjectUri" varchar,
    "subjectCid" varchar,
    "reasonType" varchar NOT NULL,
    reason text,
    "reportedByDid" varchar NOT NULL,
    "createdAt" varchar NOT NULL
);
CREATE TABLE bsky.moderation_report_resolution (
    "reportId" integer NOT NULL REFERENCES bsky.moderation_report (id),
    "actionId" integer NOT NULL REFERENCES bsky.moderation_action (id),
    "createdBy" varchar NOT NULL,
    "createdAt" varchar NOT NULL,
    PRIMARY KEY ("reportId", "actionId")
);
CREATE INDEX moderation_report_resolution_action_id_idx ON bsky.moderation_report_resolution ("actionId");
CREATE TABLE bsky.moderation_event (
    id serial PRIMARY KEY,
    action varchar NOT NULL,
    "subjectType" varchar NOT NULL,
    "subjectDid" varchar NOT NULL,
    "subjectUri" varchar,
    "subjectCid" varchar,
    comment text,
    meta jsonb,
    "createdAt" varchar NOT NULL,
    "createdBy" varchar NOT NULL,
    "reversedAt" varchar,
    "reversedBy" varchar,
    "durationInHours" integer,
    "expiresAt" varchar,
    "reversedReason" text,
    "createLabelVals" varchar,
    "negateLabelVals" varchar,
    "legacyRefId" integer
);
CREATE TABLE bsky.moderation_subject_status (
    id serial PRIMARY KEY,
    did varchar NOT NULL,
    "recordPath" varchar NOT NULL DEFAULT '',
    "blobCids" jsonb,
    "recordCid" varchar,
    "reviewState" varchar NOT NULL,
    comment varchar,
    "muteUntil" varchar,
    "lastReviewedAt" varchar,
    "lastReviewedBy" varchar,
    "lastReportedAt" varchar,
    takendown boolean NOT NULL DEFAULT false,
    "suspendUntil" varchar,
    "createdAt" varchar NOT NULL,
    "updatedAt" varchar NOT NULL,
    CONSTRAINT moderation_status_unique_idx UNIQUE (did, "recordPath")
);
CREATE INDEX moderation_subject_status_blob_cids_idx ON bsky.moderation_subject_status USING gin ("blobCids");

-- legacy "what's hot" materialized view and its parameters
CREATE TABLE bsky.view_param (
    name varchar PRIMARY KEY,
    value varchar
);
INSERT INTO bsky.view_param (name, value) VALUES ('whats_hot_like_threshold', '2'), ('whats_hot_interval', '1day');
-- Table names, not aliases: the stored view text (and so pg_dump) shows them.
CREATE MATERIALIZED VIEW bsky.algo_whats_hot_view AS
SELECT post.uri AS uri,
       post.cid AS cid,
       round(1000000 * (post_agg."likeCount"
             / ((EXTRACT(epoch FROM age(now(), post."indexedAt"::timestamp)) / 3600 + 2) ^ 1.8))) AS score
FROM bsky.post
JOIN bsky.post_agg ON post_agg.uri = post.uri
WHERE post."indexedAt" > (SELECT to_char(now() - view_param.value::interval, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS val
                          FROM bsky.view_param WHERE view_param.name = 'whats_hot_interval')
  AND post."replyParent" IS NULL
  AND post_agg."likeCount" > (SELECT view_param.value::integer AS val
                              FROM bsky.view_param WHERE view_param.name = 'whats_hot_like_threshold');
CREATE UNIQUE INDEX algo_whats_hot_view_uri_idx ON bsky.algo_whats_hot_view (uri);
CREATE INDEX algo_whats_hot_view_cursor_idx ON bsky.algo_whats_hot_view (score, cid);
