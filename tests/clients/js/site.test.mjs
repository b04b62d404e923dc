// The web site in a real browser (Debian's Chromium, driven by playwright-core): staff make a
// board, members ask, answer and accept, the profile shows a visitor only what it may; every
// page renders for a visitor, a member and staff, passes axe-core's WCAG 2.1 AA rules, keeps
// its strict Content-Security-Policy and fits a phone's screen. With TSUNAGU_SCREENSHOTS set
// to a directory, the main pages are photographed there (docs/screenshots holds them).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { A, PASSWORD } from './common.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SHOTS = process.env.TSUNAGU_SCREENSHOTS;
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let browser;
const state = {};

before(async () => {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
  });
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
});

/** A fresh browser profile in `locale`, on a desktop or a phone's screen. */
async function visitor({ locale = 'en-US', phone = false } = {}) {
  const context = await browser.newContext({
    locale,
    viewport: phone ? { width: 390, height: 844 } : { width: 1200, height: 900 },
    deviceScaleFactor: 1,
  });
  const page = await context.newPage();
  // Any script the page runs against its policy shows up here.
  page.violations = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) page.violations.push(m.text());
  });
  return page;
}

async function signedIn(login, options) {
  const page = await visitor(options);
  await page.goto(`${A}/login`);
  await page.fill('#login', login);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('main button[type=submit]')]);
  return page;
}

/** Opens `path`, expects a page, runs axe-core on it and checks it fits the screen. */
async function check(page, path, what) {
  const res = await page.goto(`${A}${path}`);
  assert.equal(res.status(), 200, `${what}: ${path}`);
  assert.match(res.headers()['content-security-policy'], /script-src 'self'/);
  await page.evaluate(AXE);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
  );
  const problems = result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('\n  ')}`,
  );
  assert.deepEqual(problems, [], `${what} ${path} has accessibility problems`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `${what} ${path} scrolls sideways by ${overflow}px`);
  assert.deepEqual(page.violations, [], `${what} ${path} broke its Content-Security-Policy`);
}

async function shot(page, name) {
  if (!SHOTS) return;
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

test('staff create a board from the staff pages', async () => {
  const office = await signedIn('office');
  await office.goto(`${A}/admin/boards`);
  await office.fill('#name', 'careers');
  await office.fill('#title', 'Careers & Jobs');
  await office.fill('#description', 'Jobs, internships and advice from alumni.');
  await Promise.all([office.waitForURL(`${A}/admin/boards/careers`), office.click('main form button[type=submit]')]);
  await office.fill('#rules', 'Be kind. No recruiting spam.');
  await Promise.all([office.waitForURL(`${A}/admin/boards/careers`), office.click('form[action="/admin/boards/careers"] button[type=submit]')]);
  const board = await visitor();
  await board.goto(`${A}/boards/careers`);
  assert.match(await board.textContent('h1'), /Careers & Jobs/);
  assert.match(await board.textContent('main'), /No recruiting spam/);
  await office.context().close();
  await board.context().close();
});

test('a member asks in a board, another answers, the asker accepts the answer', async () => {
  const alice = await signedIn('alice');
  await alice.goto(`${A}/new?board=careers`);
  await alice.fill('#title', 'Working at a port in Kobe?');
  await alice.fill('#body', 'Is logistics a good first job? #logistics');
  await alice.check('#question');
  await Promise.all([alice.waitForURL(/\/posts\/\d+$/), alice.click('form[action="/new"] button[type=submit]')]);
  state.thread = new URL(alice.url()).pathname;
  assert.equal(await alice.textContent('main h1'), 'Working at a port in Kobe?');

  const carol = await signedIn('carol');
  await carol.goto(`${A}${state.thread}`);
  await carol.fill('#reply', 'Yes: busy, but you learn the whole trade.');
  await Promise.all([carol.waitForURL((u) => u.pathname === state.thread), carol.click('form[action$="/reply"] button[type=submit]')]);
  assert.match(await carol.textContent('main'), /you learn the whole trade/);

  await alice.goto(`${A}${state.thread}`);
  await Promise.all([alice.waitForURL((u) => u.pathname === state.thread), alice.click('form[action$="/accept"] button[type=submit]')]);
  const accepted = await alice.textContent('article.status.accepted');
  assert.match(accepted, /you learn the whole trade/);

  // Where scripts run, the reply box counts what is left and deleting asks first.
  await alice.fill('#reply', 'Thanks, that helps.');
  assert.match(await alice.textContent('#reply + .hint'), /4981 characters left/);
  await Promise.all([alice.waitForURL((u) => u.pathname === state.thread), alice.click('form[action$="/reply"] button[type=submit]')]);
  const mine = alice.locator('article.status', { hasText: 'Thanks, that helps.' });
  const questions = [];
  alice.once('dialog', (d) => questions.push(d.message()) && d.dismiss());
  await mine.locator('form[action$="/delete"] button').click();
  assert.match(questions[0], /Delete this post/);
  assert.equal(await mine.count(), 1, 'dismissed: the post stays');
  alice.once('dialog', (d) => d.accept());
  await Promise.all([alice.waitForNavigation(), mine.locator('form[action$="/delete"] button').click()]);
  await alice.goto(`${A}${state.thread}`);
  assert.equal(await alice.locator('article.status', { hasText: 'Thanks, that helps.' }).count(), 0);

  // A visitor sees the accepted answer marked too, without JavaScript.
  const context = await browser.newContext({ javaScriptEnabled: false, locale: 'en-US' });
  const plain = await context.newPage();
  await plain.goto(`${A}${state.thread}`);
  assert.match(await plain.textContent('article.status.accepted'), /whole trade/);
  await context.close();
  await carol.context().close();
  await alice.context().close();
});

test('the profile shows a visitor only the fields they may see', async () => {
  const alice = await signedIn('alice');
  await alice.goto(`${A}/settings/profile`);
  await alice.fill('#display_name', 'Alice Aoki');
  await alice.fill('#f-graduation_year', '2018');
  await alice.selectOption('#v-graduation_year', 'public');
  await alice.fill('#f-employer', 'Kobe Port Logistics');
  await alice.selectOption('#v-employer', 'hidden');
  await alice.click('form[action="/settings/profile"] button[type=submit]');
  await alice.waitForSelector('[role=status]');
  await alice.context().close();

  const guest = await visitor();
  await guest.goto(`${A}/users/alice`);
  const main = await guest.textContent('main');
  assert.match(main, /Alice Aoki/);
  assert.match(main, /2018/);
  assert.doesNotMatch(main, /Kobe Port Logistics/);
  await guest.context().close();
});

test('every page renders for a visitor, a member and staff, passes axe and fits a phone', async () => {
  const pages = {
    visitor: ['/', '/boards/careers', '/boards/careers?order=unanswered', state.thread, '/users/alice', '/search?q=Kobe', '/login', '/signup', '/auth/forgot', '/directory?graduation_year=2018', '/articles', '/careers', '/campaigns', '/events', '/mentoring'],
    member: ['/', '/new', '/articles/new', '/careers/new', '/events/new', '/mentoring/requests', '/mentoring/profile', '/rooms', '/surveys', state.thread, '/notifications', '/settings/profile', '/follow'],
    staff: ['/surveys/new', '/admin', '/admin/boards', '/admin/boards/careers', '/admin/reports', '/admin/members', '/admin/joining', '/admin/federation'],
  };
  for (const phone of [false, true]) {
    for (const locale of ['en-US', 'ja-JP']) {
      const who = {
        visitor: await visitor({ locale, phone }),
        member: await signedIn('carol', { locale, phone }),
        staff: await signedIn('office', { locale, phone }),
      };
      for (const [role, paths] of Object.entries(pages)) {
        for (const path of paths) {
          await check(who[role], path, `${role} (${locale}${phone ? ', phone' : ''})`);
        }
      }
      for (const page of Object.values(who)) await page.context().close();
    }
  }
});

test('screenshots of the main pages', { skip: !SHOTS && 'TSUNAGU_SCREENSHOTS is not set' }, async () => {
  const guest = await visitor();
  for (const [name, path] of [
    ['home', '/'],
    ['board', '/boards/careers'],
    ['thread', state.thread],
    ['profile', '/users/alice'],
  ]) {
    await guest.goto(`${A}${path}`);
    await shot(guest, name);
  }
  const ja = await visitor({ locale: 'ja-JP', phone: true });
  await ja.goto(`${A}${state.thread}`);
  await shot(ja, 'thread-ja-phone');
  const office = await signedIn('office');
  for (const [name, path] of [
    ['staff-board', '/admin/boards/careers'],
    ['staff-federation', '/admin/federation'],
  ]) {
    await office.goto(`${A}${path}`);
    await shot(office, name);
  }
  const alice = await signedIn('alice');
  await alice.goto(`${A}/settings/profile`);
  await shot(alice, 'profile-settings');
  for (const page of [guest, ja, office, alice]) await page.context().close();
});
