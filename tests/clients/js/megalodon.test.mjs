// megalodon, used as a Mastodon client: registers, logs in with the code flow, posts and
// reads the home timeline.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import megalodon from 'megalodon';
import { A, signInForCode } from './common.mjs';

const generator = megalodon.default ?? megalodon;
const OOB = 'urn:ietf:wg:oauth:2.0:oob';

test('megalodon logs in, posts, replies and reads the home timeline', async () => {
  const anonymous = generator('mastodon', A);
  const app = await anonymous.registerApp('megalodon tests', {
    scopes: ['read', 'write', 'follow'],
    redirect_uris: OOB,
  });
  assert.ok(app.url.includes('/oauth/authorize'), app.url);
  const code = await signInForCode(app.url, 'carol@example.org');
  const token = await anonymous.fetchAccessToken(app.client_id, app.client_secret, code, OOB);
  assert.ok(token.access_token);

  const client = generator('mastodon', A, token.access_token);
  const me = await client.verifyAccountCredentials();
  assert.equal(me.data.username, 'carol');
  const instance = await client.getInstance();
  assert.match(instance.data.version, /^4\./);

  const posted = await client.postStatus('Hello from megalodon #careers');
  assert.equal(posted.status, 200);
  const reply = await client.postStatus('And a reply', { in_reply_to_id: posted.data.id });
  assert.equal(reply.data.in_reply_to_id, posted.data.id);

  const home = await client.getHomeTimeline({ limit: 10 });
  const ids = home.data.map((s) => s.id);
  assert.ok(ids.includes(posted.data.id), `home: ${ids}`);
  assert.ok(ids.includes(reply.data.id));
  const tagged = await client.getTagTimeline('careers');
  assert.ok(tagged.data.some((s) => s.id === posted.data.id));

  const context = await client.getStatusContext(posted.data.id);
  assert.deepEqual(context.data.descendants.map((s) => s.id), [reply.data.id]);

  // A bad request comes back as a Mastodon error.
  await assert.rejects(client.postStatus(''), (e) => e.response?.status === 422);
});
