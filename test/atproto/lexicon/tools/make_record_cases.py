#!/usr/bin/env python3
"""Writes record test cases (collection + record JSON) for the reference oracle.

The cases are base records of every validated collection plus mechanical mutations of
them (each field removed, given a wrong type, null, over-long, …) and hand-picked edge
cases. reference_oracle.mjs adds the reference verdict to each; the result is
test/data/lexicon/record_verdicts.json. Usage: make_record_cases.py OUT.json
"""
import copy
import json
import sys

DID = 'did:plc:ewvi7nxzyoun6zhxrhs64oiz'
CID = 'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm'
BLOB_CID = 'bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy'
URI = 'at://' + DID + '/app.bsky.feed.post/3k43tv4rft22g'
NOW = '2024-01-01T12:00:00.000Z'
STRONG = {'uri': URI, 'cid': CID}


def blob(mime='image/jpeg', size=12345, cid=BLOB_CID):
    return {'$type': 'blob', 'ref': {'$link': cid}, 'mimeType': mime, 'size': size}


BASE = {
    'app.bsky.feed.post': {
        '$type': 'app.bsky.feed.post', 'text': 'hello @alice.test see example.com #tag', 'createdAt': NOW,
        'langs': ['en', 'pt-BR'], 'tags': ['one'],
        'facets': [{'index': {'byteStart': 6, 'byteEnd': 17},
                    'features': [{'$type': 'app.bsky.richtext.facet#mention', 'did': DID}]},
                   {'index': {'byteStart': 22, 'byteEnd': 33},
                    'features': [{'$type': 'app.bsky.richtext.facet#link', 'uri': 'https://example.com'}]},
                   {'index': {'byteStart': 34, 'byteEnd': 38},
                    'features': [{'$type': 'app.bsky.richtext.facet#tag', 'tag': 'tag'}]}],
        'reply': {'root': STRONG, 'parent': STRONG},
        'embed': {'$type': 'app.bsky.embed.images', 'images': [
            {'image': blob(), 'alt': 'a cat', 'aspectRatio': {'width': 4, 'height': 3}},
            {'image': blob('image/png', 999), 'alt': ''}]},
        'labels': {'$type': 'com.atproto.label.defs#selfLabels', 'values': [{'val': 'nudity'}]},
    },
    'app.bsky.feed.like': {'$type': 'app.bsky.feed.like', 'subject': STRONG, 'createdAt': NOW},
    'app.bsky.feed.repost': {'$type': 'app.bsky.feed.repost', 'subject': STRONG, 'createdAt': NOW, 'via': STRONG},
    'app.bsky.graph.follow': {'$type': 'app.bsky.graph.follow', 'subject': DID, 'createdAt': NOW},
    'app.bsky.graph.block': {'$type': 'app.bsky.graph.block', 'subject': DID, 'createdAt': NOW},
    'app.bsky.feed.threadgate': {
        '$type': 'app.bsky.feed.threadgate', 'post': URI, 'createdAt': NOW,
        'allow': [{'$type': 'app.bsky.feed.threadgate#mentionRule'},
                  {'$type': 'app.bsky.feed.threadgate#listRule', 'list': 'at://' + DID + '/app.bsky.graph.list/3k43tv4rft22g'}],
        'hiddenReplies': [URI]},
    'app.bsky.feed.postgate': {
        '$type': 'app.bsky.feed.postgate', 'post': URI, 'createdAt': NOW, 'detachedEmbeddingUris': [URI],
        'embeddingRules': [{'$type': 'app.bsky.feed.postgate#disableRule'}]},
    'app.bsky.graph.list': {
        '$type': 'app.bsky.graph.list', 'purpose': 'app.bsky.graph.defs#curatelist', 'name': 'friends',
        'description': 'my friends', 'avatar': blob('image/png', 5000), 'createdAt': NOW},
    'app.bsky.graph.listitem': {'$type': 'app.bsky.graph.listitem', 'subject': DID,
                                'list': 'at://' + DID + '/app.bsky.graph.list/3k43tv4rft22g', 'createdAt': NOW},
    'app.bsky.graph.listblock': {'$type': 'app.bsky.graph.listblock',
                                 'subject': 'at://' + DID + '/app.bsky.graph.list/3k43tv4rft22g', 'createdAt': NOW},
    'app.bsky.graph.starterpack': {
        '$type': 'app.bsky.graph.starterpack', 'name': 'pack', 'list': 'at://' + DID + '/app.bsky.graph.list/3k43tv4rft22g',
        'feeds': [{'uri': 'at://' + DID + '/app.bsky.feed.generator/cats'}], 'createdAt': NOW},
    'app.bsky.graph.verification': {'$type': 'app.bsky.graph.verification', 'subject': DID, 'handle': 'alice.test',
                                    'displayName': 'Alice', 'createdAt': NOW},
    'app.bsky.actor.profile': {
        '$type': 'app.bsky.actor.profile', 'displayName': 'Alice', 'description': 'hi', 'avatar': blob(),
        'banner': blob('image/png', 100), 'website': 'https://alice.test', 'createdAt': NOW,
        'pinnedPost': STRONG, 'labels': {'$type': 'com.atproto.label.defs#selfLabels', 'values': []}},
    'app.bsky.actor.status': {'$type': 'app.bsky.actor.status', 'status': 'app.bsky.actor.status#live',
                              'createdAt': NOW, 'durationMinutes': 30,
                              'embed': {'$type': 'app.bsky.embed.external', 'external': {
                                  'uri': 'https://twitch.tv/x', 'title': 't', 'description': 'd'}}},
    'app.bsky.feed.generator': {'$type': 'app.bsky.feed.generator', 'did': 'did:web:feeds.example.com',
                                'displayName': 'Cats', 'createdAt': NOW, 'acceptsInteractions': True,
                                'contentMode': 'app.bsky.feed.defs#contentModeVideo'},
    'app.bsky.labeler.service': {'$type': 'app.bsky.labeler.service', 'createdAt': NOW,
                                 'policies': {'labelValues': ['spam'], 'labelValueDefinitions': [
                                     {'identifier': 'spam', 'severity': 'alert', 'blurs': 'none',
                                      'locales': [{'lang': 'en', 'name': 'Spam', 'description': 'spam'}]}]}},
    'app.bsky.notification.declaration': {'$type': 'app.bsky.notification.declaration', 'allowSubscriptions': 'followers'},
    'com.germnetwork.declaration': None,  # filled from the schema below if present
}

WRONG = [123, 'text', None, True, {'a': 1}, [1], 1.5]


def mutations(collection, record):
    out = []
    def walk(value, path):
        if isinstance(value, dict):
            for k in list(value):
                yield path + [k]
                yield from walk(value[k], path + [k])
        elif isinstance(value, list):
            for i in range(len(value)):
                yield path + [i]
                yield from walk(value[i], path + [i])
    for path in walk(record, []):
        for replacement in WRONG + ['__remove__', '__long__']:
            r = copy.deepcopy(record)
            parent = r
            for p in path[:-1]:
                parent = parent[p]
            key = path[-1]
            if replacement == '__remove__':
                if isinstance(parent, list):
                    continue
                del parent[key]
            elif replacement == '__long__':
                if not isinstance(parent[key], str):
                    continue
                parent[key] = parent[key] + 'é' * 400
            else:
                parent[key] = replacement
            out.append({'collection': collection, 'name': 'mutate %s -> %s' % (path, json.dumps(replacement)), 'record': r})
    return out


def special():
    p = BASE['app.bsky.feed.post']
    cases = []
    def add(name, collection, record):
        cases.append({'collection': collection, 'name': name, 'record': record})
    post = lambda **kw: {**{'$type': 'app.bsky.feed.post', 'text': 'hi', 'createdAt': NOW}, **kw}
    add('post text of 300 graphemes', 'app.bsky.feed.post', post(text='👩‍👩‍👧‍👦' * 300))
    add('post text of 301 graphemes', 'app.bsky.feed.post', post(text='a' * 301))
    add('post text of 300 flags', 'app.bsky.feed.post', post(text='🇩🇪' * 300))
    add('post text over 3000 bytes', 'app.bsky.feed.post', post(text='😀' * 751))
    add('post text with combining marks', 'app.bsky.feed.post', post(text='e\u0301' * 300))
    add('post text with Hangul jamo', 'app.bsky.feed.post', post(text='\u1100\u1161\u11a8' * 301))
    add('post text with Devanagari conjuncts', 'app.bsky.feed.post', post(text='क्षि' * 290))
    add('post without $type', 'app.bsky.feed.post', {'text': 'hi', 'createdAt': NOW})
    add('post with another $type', 'app.bsky.feed.post', post(**{'$type': 'app.bsky.feed.like'}))
    add('post with $type #main', 'app.bsky.feed.post', post(**{'$type': 'app.bsky.feed.post#main'}))
    add('post with unknown extra fields', 'app.bsky.feed.post', post(extra={'x': 1.5}, other=[None]))
    add('post embed of unknown type (open union)', 'app.bsky.feed.post', post(embed={'$type': 'com.example.embed', 'x': 1}))
    add('post embed with #main suffix', 'app.bsky.feed.post', post(embed={'$type': 'app.bsky.embed.images#main', 'images': []}))
    add('post embed without $type', 'app.bsky.feed.post', post(embed={'images': []}))
    add('post embed $type not a string', 'app.bsky.feed.post', post(embed={'$type': 5}))
    add('post with 4 images', 'app.bsky.feed.post', post(embed={'$type': 'app.bsky.embed.images', 'images': [{'image': blob(), 'alt': ''}] * 4}))
    add('post with 5 images', 'app.bsky.feed.post', post(embed={'$type': 'app.bsky.embed.images', 'images': [{'image': blob(), 'alt': ''}] * 5}))
    add('post image with wrong mime', 'app.bsky.feed.post', post(embed={'$type': 'app.bsky.embed.images', 'images': [{'image': blob('video/mp4'), 'alt': ''}]}))
    add('post image too large', 'app.bsky.feed.post', post(embed={'$type': 'app.bsky.embed.images', 'images': [{'image': blob(size=1000001), 'alt': ''}]}))
    add('post image legacy blob', 'app.bsky.feed.post', post(embed={'$type': 'app.bsky.embed.images', 'images': [{'image': {'cid': BLOB_CID, 'mimeType': 'image/jpeg'}, 'alt': ''}]}))
    add('post image blob with dag-cbor cid', 'app.bsky.feed.post', post(embed={'$type': 'app.bsky.embed.images', 'images': [{'image': blob(cid=CID), 'alt': ''}]}))
    add('post image blob with extra key', 'app.bsky.feed.post', post(embed={'$type': 'app.bsky.embed.images', 'images': [{'image': {**blob(), 'x': 1}, 'alt': ''}]}))
    add('post image blob with negative size', 'app.bsky.feed.post', post(embed={'$type': 'app.bsky.embed.images', 'images': [{'image': blob(size=-1), 'alt': ''}]}))
    add('post image blob with mime without slash', 'app.bsky.feed.post', post(embed={'$type': 'app.bsky.embed.images', 'images': [{'image': blob('jpeg'), 'alt': ''}]}))
    add('post with record embed', 'app.bsky.feed.post', post(embed={'$type': 'app.bsky.embed.record', 'record': STRONG}))
    add('post with record embed typed strongRef', 'app.bsky.feed.post', post(embed={'$type': 'app.bsky.embed.record', 'record': {**STRONG, '$type': 'com.atproto.repo.strongRef'}}))
    add('post with record embed wrongly typed strongRef', 'app.bsky.feed.post', post(embed={'$type': 'app.bsky.embed.record', 'record': {**STRONG, '$type': 'com.atproto.repo.strongRef#main'}}))
    add('post with recordWithMedia', 'app.bsky.feed.post', post(embed={'$type': 'app.bsky.embed.recordWithMedia', 'record': {'record': STRONG}, 'media': {'$type': 'app.bsky.embed.video', 'video': blob('video/mp4', 1000), 'aspectRatio': {'width': 1, 'height': 1}}}))
    add('post with video of wrong mime', 'app.bsky.feed.post', post(embed={'$type': 'app.bsky.embed.video', 'video': blob('image/png', 1000)}))
    add('post with external embed and thumb', 'app.bsky.feed.post', post(embed={'$type': 'app.bsky.embed.external', 'external': {'uri': 'https://x.test', 'title': '', 'description': '', 'thumb': blob()}}))
    add('post aspect ratio zero', 'app.bsky.feed.post', post(embed={'$type': 'app.bsky.embed.images', 'images': [{'image': blob(), 'alt': '', 'aspectRatio': {'width': 0, 'height': 1}}]}))
    add('post facet negative byteStart', 'app.bsky.feed.post', post(facets=[{'index': {'byteStart': -1, 'byteEnd': 2}, 'features': []}]))
    add('post facet float index', 'app.bsky.feed.post', post(facets=[{'index': {'byteStart': 1.0, 'byteEnd': 2}, 'features': []}]))
    add('post facet huge index', 'app.bsky.feed.post', post(facets=[{'index': {'byteStart': 9007199254740992, 'byteEnd': 2}, 'features': []}]))
    add('post facet feature unknown type', 'app.bsky.feed.post', post(facets=[{'index': {'byteStart': 1, 'byteEnd': 2}, 'features': [{'$type': 'com.example.x'}]}]))
    add('post facet mention bad did', 'app.bsky.feed.post', post(facets=[{'index': {'byteStart': 1, 'byteEnd': 2}, 'features': [{'$type': 'app.bsky.richtext.facet#mention', 'did': 'alice'}]}]))
    add('post 4 langs', 'app.bsky.feed.post', post(langs=['en', 'de', 'fr', 'es']))
    add('post bad lang', 'app.bsky.feed.post', post(langs=['EN']))
    add('post lang grandfathered', 'app.bsky.feed.post', post(langs=['i-klingon']))
    add('post 9 tags', 'app.bsky.feed.post', post(tags=['a'] * 9))
    add('post self label too long', 'app.bsky.feed.post', post(labels={'$type': 'com.atproto.label.defs#selfLabels', 'values': [{'val': 'x' * 129}]}))
    add('post labels of unknown type', 'app.bsky.feed.post', post(labels={'$type': 'com.example.labels'}))
    for dt in ['2024-01-01T12:00:00Z', '2024-01-01T12:00:00', '2024-01-01 12:00:00Z', '2024-01-01T12:00:00+05:00',
               '2024-01-01T12:00:00-00:00', '2024-01-01T12:00:00.123456789Z', '2024-02-30T00:00:00Z',
               '2024-01-00T00:00:00Z', '1985-12-31T23:59:60Z', '0000-01-01T00:00:00+01:00', '9999-12-31T23:59:59-01:00',
               'garbage', '2024-01-01t12:00:00z', '2024-01-01T12:00Z', '+02024-01-01T12:00:00Z']:
        add('post createdAt ' + dt, 'app.bsky.feed.post', post(createdAt=dt))
    add('post reply root missing cid', 'app.bsky.feed.post', post(reply={'root': {'uri': URI}, 'parent': STRONG}))
    add('post reply bad cid', 'app.bsky.feed.post', post(reply={'root': {'uri': URI, 'cid': 'bafy'}, 'parent': STRONG}))
    add('post reply uppercase cid', 'app.bsky.feed.post', post(reply={'root': {'uri': URI, 'cid': CID.upper()}, 'parent': STRONG}))
    add('post reply uri with query', 'app.bsky.feed.post', post(reply={'root': {'uri': URI + '?x', 'cid': CID}, 'parent': STRONG}))
    add('post reply uri with handle', 'app.bsky.feed.post', post(reply={'root': {'uri': 'at://alice.test/app.bsky.feed.post/3k43tv4rft22g', 'cid': CID}, 'parent': STRONG}))
    add('post text as cid link', 'app.bsky.feed.post', post(text={'$link': CID}))
    add('post text null', 'app.bsky.feed.post', post(text=None))
    add('post record is array', 'app.bsky.feed.post', [1])
    add('like missing subject', 'app.bsky.feed.like', {'$type': 'app.bsky.feed.like', 'createdAt': NOW})
    add('like subject via', 'app.bsky.feed.like', {'$type': 'app.bsky.feed.like', 'createdAt': NOW, 'subject': STRONG, 'via': STRONG})
    add('follow bad did', 'app.bsky.graph.follow', {'$type': 'app.bsky.graph.follow', 'subject': 'did:PLC:abc', 'createdAt': NOW})
    add('follow legacy subject object', 'app.bsky.graph.follow', {'$type': 'app.bsky.graph.follow', 'subject': {'did': DID, 'declarationCid': CID}, 'createdAt': NOW})
    add('threadgate unknown rule type', 'app.bsky.feed.threadgate', {'$type': 'app.bsky.feed.threadgate', 'post': URI, 'createdAt': NOW, 'allow': [{'$type': 'app.bsky.feed.threadgate#nobodyRule'}]})
    add('threadgate 6 rules', 'app.bsky.feed.threadgate', {'$type': 'app.bsky.feed.threadgate', 'post': URI, 'createdAt': NOW, 'allow': [{'$type': 'app.bsky.feed.threadgate#mentionRule'}] * 6})
    add('threadgate empty allow', 'app.bsky.feed.threadgate', {'$type': 'app.bsky.feed.threadgate', 'post': URI, 'createdAt': NOW, 'allow': []})
    add('profile avatar gif', 'app.bsky.actor.profile', {'$type': 'app.bsky.actor.profile', 'avatar': blob('image/gif')})
    add('profile avatar too large', 'app.bsky.actor.profile', {'$type': 'app.bsky.actor.profile', 'avatar': blob(size=1000001)})
    add('profile empty', 'app.bsky.actor.profile', {'$type': 'app.bsky.actor.profile'})
    add('profile displayName 64 emoji', 'app.bsky.actor.profile', {'$type': 'app.bsky.actor.profile', 'displayName': '🏳️‍🌈' * 64})
    add('profile displayName 65 emoji', 'app.bsky.actor.profile', {'$type': 'app.bsky.actor.profile', 'displayName': '🏳️‍🌈' * 65})
    add('profile website not uri', 'app.bsky.actor.profile', {'$type': 'app.bsky.actor.profile', 'website': 'not a uri'})
    add('profile createdAt null', 'app.bsky.actor.profile', {'$type': 'app.bsky.actor.profile', 'createdAt': None})
    add('list purpose unknown value', 'app.bsky.graph.list', {'$type': 'app.bsky.graph.list', 'purpose': 'com.example.other', 'name': 'x', 'createdAt': NOW})
    add('list empty name', 'app.bsky.graph.list', {'$type': 'app.bsky.graph.list', 'purpose': 'app.bsky.graph.defs#modlist', 'name': '', 'createdAt': NOW})
    add('generator bad did', 'app.bsky.feed.generator', {'$type': 'app.bsky.feed.generator', 'did': 'feeds.example.com', 'displayName': 'x', 'createdAt': NOW})
    add('notification declaration unknown value', 'app.bsky.notification.declaration', {'$type': 'app.bsky.notification.declaration', 'allowSubscriptions': 'everyone'})
    add('status duration zero', 'app.bsky.actor.status', {'$type': 'app.bsky.actor.status', 'status': 'x', 'createdAt': NOW, 'durationMinutes': 0})
    return cases


def main():
    cases = []
    for collection, record in BASE.items():
        if record is None:
            continue
        cases.append({'collection': collection, 'name': 'base record', 'record': record})
        cases.extend(mutations(collection, record))
    cases.extend(special())
    with open(sys.argv[1], 'w', encoding='utf-8') as f:
        json.dump(cases, f, ensure_ascii=False)
    return 0


if __name__ == '__main__':
    sys.exit(main())
