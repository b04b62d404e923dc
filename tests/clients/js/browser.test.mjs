// The OAuth sign-in page in a real browser (Debian's Chromium, driven by playwright-core):
// a wrong password is refused on the page, the right one redirects back to the app with a code
// (PKCE), and the out-of-band page shows a code a person can copy.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { chromium } from 'playwright-core';
import { A, PASSWORD } from './common.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
let browser;
let callback;
let callbackUrl;

before(async () => {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  // The app's own redirect target.
  callback = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<title>App</title><p>Signed in</p>');
  });
  await new Promise((resolve) => callback.listen(0, '127.0.0.1', resolve));
  callbackUrl = `http://127.0.0.1:${callback.address().port}/callback`;
});

after(async () => {
  await browser?.close();
  callback?.close();
});

async function registerApp(redirectUris) {
  const res = await fetch(`${A}/api/v1/apps`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'Browser test', redirect_uris: redirectUris, scopes: 'read write' }),
  });
  assert.equal(res.status, 200);
  return res.json();
}

async function exchange(app, code, redirectUri, verifier) {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    client_id: app.client_id,
    client_secret: app.client_secret,
    redirect_uri: redirectUri,
  });
  if (verifier) body.set('code_verifier', verifier);
  const res = await fetch(`${A}/oauth/token`, { method: 'POST', body });
  assert.equal(res.status, 200, await res.clone().text());
  const token = (await res.json()).access_token;
  const me = await fetch(`${A}/api/v1/accounts/verify_credentials`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return (await me.json()).username;
}

test('signing in on the authorization page redirects back with a code (PKCE)', async () => {
  const app = await registerApp(`${callbackUrl}\nurn:ietf:wg:oauth:2.0:oob`);
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const url = new URL(`${A}/oauth/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: app.client_id,
    redirect_uri: callbackUrl,
    scope: 'read write',
    state: 'xyz-42',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });

  const page = await browser.newPage();
  await page.goto(url.toString());
  assert.match(await page.textContent('body'), /Browser test/);

  // A wrong password: the page says so and stays.
  await page.fill('#username', 'alice@example.org');
  await page.fill('#password', 'not the password');
  await page.click('button[type=submit]');
  const alert = await page.waitForSelector('[role=alert]');
  assert.match(await alert.textContent(), /password|invalid|incorrect/i);

  await page.fill('#username', 'alice@example.org');
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL((u) => u.toString().startsWith(callbackUrl)), page.click('button[type=submit]')]);
  const back = new URL(page.url());
  assert.equal(back.searchParams.get('state'), 'xyz-42');
  const code = back.searchParams.get('code');
  assert.ok(code);
  assert.match(await page.textContent('body'), /Signed in/);
  await page.close();

  assert.equal(await exchange(app, code, callbackUrl, verifier), 'alice');
});

test('the out-of-band page shows the code in the browser', async () => {
  const app = await registerApp('urn:ietf:wg:oauth:2.0:oob');
  const url = new URL(`${A}/oauth/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: app.client_id,
    redirect_uri: 'urn:ietf:wg:oauth:2.0:oob',
    scope: 'read',
  });
  const page = await browser.newPage();
  await page.goto(url.toString());
  await page.fill('#username', 'carol');
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForSelector('#code'), page.click('button[type=submit]')]);
  const code = (await page.textContent('#code')).trim();
  await page.close();
  assert.equal(await exchange(app, code, 'urn:ietf:wg:oauth:2.0:oob'), 'carol');
});
