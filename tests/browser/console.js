/*
 * tests/browser/console.js: the web console driven in Debian's chromium,
 * headless, through playwright-core (pinned in tests/node).
 *
 *   node console.js MODE BASE_URL OUT_DIR [TOKEN...]
 *
 * MODE is "open" (auth = none) or "token" (auth = token; the tokens are
 * alice's, bob's and an admin's, in that order).  Each check prints
 * "PASS name" or "FAIL name: why"; tests/browser.sh counts them.  The
 * daemon is the built binary, started by browser.sh; the page is used as
 * a person would (clicks, typing, files picked), and what it claims is
 * checked against the API and the bytes on the wire.  Screenshots go to
 * OUT_DIR.
 */
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');

const nodeRequire = createRequire(path.join(__dirname, '..', 'node', 'package.json'));
const { chromium } = nodeRequire('playwright-core');
const AXE_SOURCE = fs.readFileSync(nodeRequire.resolve('axe-core/axe.min.js'), 'utf8');

const [mode, base, outDir, ...tokens] = process.argv.slice(2);
const DATA = path.join(__dirname, '..', '..', 'data');
const WAIT = 10000;

let failures = 0;
let passes = 0;
const errors = [];   /* console errors and CSP violations, per page */

function sha256(buf) {
  return crypto.createHash('sha256').update(buf).digest('hex');
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

async function check(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    passes++;
    console.log(`PASS ${mode}: ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failures++;
    console.log(`FAIL ${mode}: ${name}: ${String(e.message || e).split('\n')[0]}`);
  }
}

async function api(method, p, token, body) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = 'Bearer ' + token;
  if (body) headers['Content-Type'] = 'application/json';
  const r = await fetch(base + p, { method, headers, body: body && JSON.stringify(body) });
  return { status: r.status, json: await r.json().catch(() => null) };
}

async function newPage(context) {
  const page = await context.newPage();
  /* A refused request the test provoked is logged too: not a fault. */
  page.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource: the server responded/.test(m.text()))
      errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  return page;
}

/* axe-core on the page as it is; serious or critical violations fail. */
async function axe(page, what) {
  await check(`accessibility (axe-core): ${what}`, async () => {
    /* Evaluated by the debugger, so the page's CSP need not allow it. */
    await page.evaluate(AXE_SOURCE);
    const result = await page.evaluate(() => window.axe.run(document, {
      resultTypes: ['violations'],
    }));
    const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert(bad.length === 0, bad.map((v) => `${v.id} (${v.impact}): ` +
      v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')).join('; '));
  });
}

async function cards(page) {
  return page.locator('#grid li').count();
}

async function waitCards(page, n) {
  await page.waitForFunction((k) => document.querySelectorAll('#grid li').length === k &&
    !/Loading/.test(document.getElementById('status').textContent), n, { timeout: WAIT });
}

/* Every thumbnail in the grid has arrived and decoded. */
async function thumbsLoaded(page) {
  await page.waitForFunction(() => {
    const imgs = [...document.querySelectorAll('#grid img')];
    return imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 0);
  }, null, { timeout: WAIT });
}

/* Pick files, fill each item's fields, press Upload; progress is recorded. */
async function pickFiles(page, files) {
  if (await page.locator('#upload-panel').isHidden())
    await page.click('#upload-toggle');
  await page.setInputFiles('#files', files.map((f) => path.join(DATA, f)));
  await watchProgress(page);
}

/* Drop files on the page (the upload panel closed), as a file manager would. */
async function dropFiles(page, files) {
  const items = files.map((f) => ({ name: f, b64: fs.readFileSync(path.join(DATA, f)).toString('base64') }));
  const dt = await page.evaluateHandle((list) => {
    const d = new DataTransfer();
    for (const it of list)
      d.items.add(new File([Uint8Array.from(atob(it.b64), (c) => c.charCodeAt(0))], it.name));
    return d;
  }, items);
  await page.dispatchEvent('#grid', 'dragover', { dataTransfer: dt });
  await page.dispatchEvent('#grid', 'drop', { dataTransfer: dt });
  assert(await page.locator('#upload-panel').isVisible(), 'the drop did not open the upload panel');
  await watchProgress(page);
}

/* Record every value a progress bar takes, as the page sets it. */
async function watchProgress(page) {
  await page.evaluate(() => {
    window.progressSeen = window.progressSeen || {};
    for (const p of document.querySelectorAll('#queue progress')) {
      if (p.dataset.watched) continue;
      p.dataset.watched = '1';
      window.progressSeen[p.id] = [];
      new MutationObserver(() => window.progressSeen[p.id].push(p.value))
        .observe(p, { attributes: true, attributeFilter: ['value'] });
    }
  });
}

async function itemState(page, n) {
  return page.locator('#queue li').nth(n).locator('.state').textContent();
}

async function waitUploads(page) {
  await page.waitForFunction(() => [...document.querySelectorAll('#queue .state')]
    .every((s) => s.textContent !== 'Uploading…'), null, { timeout: WAIT });
}

async function openCard(page, text) {
  await page.locator('#grid a.card', { hasText: text }).first().click();
  await page.waitForFunction(() => !document.getElementById('detail').hidden &&
    document.getElementById('record').children.length > 0, null, { timeout: WAIT });
}

async function detailImageLoaded(page) {
  await page.waitForFunction(() => {
    const i = document.getElementById('detail-img');
    return i.complete && i.naturalWidth > 0;
  }, null, { timeout: WAIT });
}

/* The detail view's record, as shown, keyed by the labels. */
async function shownRecord(page) {
  return page.evaluate(() => {
    const out = {};
    const dl = document.getElementById('record');
    for (const dt of dl.querySelectorAll('dt')) out[dt.textContent] = dt.nextElementSibling.textContent;
    return out;
  });
}

/* Copy the signed URL with the page's button; read it back from the clipboard. */
async function copyAndFetch(page, file) {
  await page.click('#copy-url');
  await page.waitForFunction(() => /copied/.test(document.getElementById('copy-status').textContent),
    null, { timeout: WAIT });
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  const shown = await page.inputValue('#signed-url');
  assert(copied === shown, `clipboard holds ${copied.slice(0, 60)}…, page shows ${shown.slice(0, 60)}…`);
  assert(/\/blobs\/images\/.*\?expires=\d+&signature=[0-9a-f]+$/.test(copied), `not a signed URL: ${copied}`);
  const r = await fetch(copied);   /* no token: the URL is the capability */
  assert(r.status === 200, `GET of the copied URL: ${r.status}`);
  const bytes = Buffer.from(await r.arrayBuffer());
  assert(sha256(bytes) === sha256(fs.readFileSync(path.join(DATA, file))),
    'the copied URL does not serve the uploaded bytes');
  const curl = await page.inputValue('#curl');
  assert(curl.includes(`'${copied}'`) && curl.startsWith('curl -o '), `curl command: ${curl}`);
}

async function editTitle(page, title) {
  await page.fill('#e-title', title);
  await page.click('#save');
  await page.waitForFunction(() => document.getElementById('save-status').textContent === 'Saved',
    null, { timeout: WAIT });
  await page.reload();
  await page.waitForFunction((t) => document.getElementById('detail-heading').textContent === t &&
    document.getElementById('e-title').value === t, title, { timeout: WAIT });
}

async function deleteShown(page, token) {
  const id = await page.evaluate(() => new URLSearchParams(location.search).get('image'));
  await page.click('#delete');
  assert(await page.locator('#confirm-delete').isVisible(), 'no confirmation dialog');
  await page.click('#confirm-cancel');
  assert(!(await page.locator('#confirm-delete').isVisible()), 'the dialog did not close');
  assert((await api('GET', '/images/' + id, token)).status === 200, 'deleted without confirmation');
  await page.click('#delete');
  await page.click('#confirm-yes');
  await page.waitForFunction(() => !document.getElementById('browse').hidden &&
    /Deleted/.test(document.getElementById('status').textContent), null, { timeout: WAIT });
  const after = await api('GET', '/images/' + id, token);
  assert(after.status === 404, `GET after delete: ${after.status}`);
  return id;
}

/* A fresh profile each run, removed at the end. */
async function launch() {
  const userDir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'imaged-chromium-'));
  const context = await chromium.launchPersistentContext(userDir, {
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 860 },
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  return { context, userDir };
}

async function openMode(context) {
  const page = await newPage(context);
  const checksum = {};
  for (const f of ['sample.jpg', 'sample.gif'])
    checksum[f] = sha256(fs.readFileSync(path.join(DATA, f)));

  await check('the page loads with its Content-Security-Policy', async () => {
    const r = await page.goto(base + '/');
    const csp = r.headers()['content-security-policy'] || '';
    assert(r.status() === 200, `status ${r.status()}`);
    assert(csp.includes("default-src 'self'") && !csp.includes('unsafe-inline'), `CSP: ${csp}`);
    await page.waitForFunction(() => /No images/.test(document.getElementById('status').textContent),
      null, { timeout: WAIT });
  });
  await axe(page, 'empty grid');

  await check('upload two images: progress reaches 100%, an error shows next to its field', async () => {
    await pickFiles(page, ['sample.jpg', 'sample.gif']);
    assert(await page.locator('#queue li').count() === 2, 'two items in the queue');
    const first = page.locator('#queue li').nth(0);
    await first.getByLabel('User id').fill('alice');
    await first.getByLabel('Title').fill('Sunset');
    await first.getByLabel('Tags (comma-separated)').fill('beach, sunset');
    await first.getByLabel('Location').fill('Goa');
    /* The second has no user id: the API's message goes next to that field. */
    const second = page.locator('#queue li').nth(1);
    await second.getByLabel('Title').fill('Dancer');
    await second.getByLabel('Tags (comma-separated)').fill('animated');
    await page.click('#upload-start');
    await waitUploads(page);
    assert(await itemState(page, 0) === 'Uploaded', 'first not uploaded');
    assert(await itemState(page, 1) === 'Failed', 'second did not fail');
    const err = await second.locator('[data-error-for="user_id"]').textContent();
    assert(/user_id/.test(err), `no user_id error beside the field: "${err}"`);
    assert(await second.getByLabel('User id').getAttribute('aria-invalid') === 'true', 'field not marked');
    await page.screenshot({ path: path.join(outDir, 'upload-error.png') });
    await second.getByLabel('User id').fill('bob');
    await page.click('#upload-start');
    await waitUploads(page);
    assert(await itemState(page, 1) === 'Uploaded', 'second not uploaded after the fix');
    const seen = await page.evaluate(() => window.progressSeen);
    const bars = await page.$$eval('#queue progress', (ps) => ps.map((p) => [p.id, p.value, p.max]));
    for (const [id, value, max] of bars) {
      assert(value === max && max === 100, `${id} at ${value}/${max}`);
      assert(seen[id].includes(100), `${id} never showed 100: ${seen[id]}`);
    }
  });

  await axe(page, 'the upload queue');

  await check('a slow upload: the progress bar moves through values to 100%', async () => {
    /* A 1 MB noise PNG, sent at 2 MB/s through chromium's throttling. */
    const data = await page.evaluate(() => {
      const cv = document.createElement('canvas');
      cv.width = 600;
      cv.height = 450;
      const g = cv.getContext('2d');
      const px = g.createImageData(600, 450);
      for (let i = 0; i < px.data.length; i++) px.data[i] = (i % 4 === 3) ? 255 : Math.random() * 256;
      g.putImageData(px, 0, 0);
      return cv.toDataURL('image/png');
    });
    const file = { name: 'noise.png', mimeType: 'image/png',
      buffer: Buffer.from(data.slice(data.indexOf(',') + 1), 'base64') };
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0,
      downloadThroughput: -1, uploadThroughput: 2 * 1024 * 1024 });
    await page.click('#upload-clear');
    await page.setInputFiles('#files', file);
    await watchProgress(page);
    await page.locator('#queue li').getByLabel('User id').fill('carol');
    await page.click('#upload-start');
    await waitUploads(page);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0,
      downloadThroughput: -1, uploadThroughput: -1 });
    await cdp.detach();
    assert(await itemState(page, 0) === 'Uploaded', 'not uploaded');
    const seen = Object.values(await page.evaluate(() => window.progressSeen)).pop();
    assert(seen.some((v) => v > 0 && v < 100), `no value between 0 and 100: ${seen}`);
    assert(seen[seen.length - 1] === 100, `ends at ${seen[seen.length - 1]}`);
    const list = await api('GET', '/images?user_id=carol');
    assert(list.json.count === 1 && list.json.images[0].file_size === file.buffer.length, 'size stored');
    await api('DELETE', '/images/' + list.json.images[0].image_id);
    await page.reload();
  });

  await check('both images appear in the grid with their thumbnails', async () => {
    await waitCards(page, 2);
    const text = await page.locator('#grid').textContent();
    for (const s of ['sample.jpg', 'sample.gif', 'alice', 'bob', 'Sunset', 'Dancer'])
      assert(text.includes(s), `grid lacks ${s}`);
    await thumbsLoaded(page);
  });
  await page.screenshot({ path: path.join(outDir, 'grid.png') });
  await axe(page, 'grid');

  await check('the listing pages by its cursor as the page scrolls', async () => {
    await page.goto(base + '/?limit=1');
    await waitCards(page, 2);
    assert(await page.locator('#more').isHidden(), 'Load more shown at the end');
  });

  await check('the page works under the stage prefix (/dev/) too', async () => {
    await page.goto(base + '/dev/');
    await waitCards(page, 2);
    await thumbsLoaded(page);
  });

  await check('filter by a tag; the filter lives in the page URL', async () => {
    await page.goto(base + '/');
    await waitCards(page, 2);
    await page.fill('#f-tags', 'beach');
    await page.click('#filters button[type="submit"]');
    await waitCards(page, 1);
    assert(new URL(page.url()).searchParams.get('tags') === 'beach', `URL ${page.url()}`);
    assert((await page.locator('#grid').textContent()).includes('sample.jpg'), 'wrong image');
    await page.reload();
    await waitCards(page, 1);
    assert(await page.inputValue('#f-tags') === 'beach', 'filter field not restored');
    await page.goBack();
    await waitCards(page, 2);
  });

  await check('a bad filter shows the API\u2019s message next to that field', async () => {
    await page.goto(base + '/?user_id=' + encodeURIComponent('no/slash'));
    await page.waitForFunction(() => document.querySelector('#filters [data-error-for="user_id"]')
      .textContent !== '', null, { timeout: WAIT });
    const err = await page.locator('#filters [data-error-for="user_id"]').textContent();
    assert(/user_id/.test(err), `error "${err}"`);
  });

  await check('open one: every field of the record, the image, the signed URL', async () => {
    await page.goto(base + '/?tags=beach');
    await waitCards(page, 1);
    await openCard(page, 'sample.jpg');
    const id = new URL(page.url()).searchParams.get('image');
    const rec = (await api('GET', '/images/' + id)).json;
    const shown = await shownRecord(page);
    assert(shown['S3 key'] === rec.s3_key, `S3 key ${shown['S3 key']}`);
    assert(shown['SHA-256'] === checksum['sample.jpg'], `SHA-256 ${shown['SHA-256']}`);
    assert(shown['Width × height'] === `${rec.width} × ${rec.height}`, `size ${shown['Width × height']}`);
    assert(shown['Content type'] === 'image/jpeg', shown['Content type']);
    assert(shown['Created'] === rec.created_at && shown['Updated'] === rec.updated_at, 'dates');
    assert(shown['Image id'] === id && shown['User'] === 'alice', 'id or user');
    assert(/1 hour/.test(await page.locator('#url-lifetime').textContent()), 'lifetime not shown');
    await detailImageLoaded(page);
  });
  await page.screenshot({ path: path.join(outDir, 'detail.png') });
  await axe(page, 'detail view');

  await check('the signed URL\u2019s lifetime can be chosen', async () => {
    await page.selectOption('#url-expires', '600');
    await page.waitForFunction(() => /10 minutes/.test(document.getElementById('url-lifetime').textContent),
      null, { timeout: WAIT });
    const u = new URL(await page.inputValue('#signed-url'));
    const left = Number(u.searchParams.get('expires')) - Date.now() / 1000;
    assert(left > 500 && left <= 601, `expires in ${left} s`);
  });

  await check('copy the signed URL and fetch it', () => copyAndFetch(page, 'sample.jpg'));

  await check('edit the title in place; it stays after a reload', async () => {
    await editTitle(page, 'Sunset over Goa');
    const id = new URL(page.url()).searchParams.get('image');
    assert((await api('GET', '/images/' + id)).json.title === 'Sunset over Goa', 'not stored');
  });

  await check('an invalid edit shows the API\u2019s message next to the field', async () => {
    await page.fill('#e-tags', Array.from({ length: 40 }, (_, i) => 't' + i).join(','));
    await page.click('#save');
    await page.waitForFunction(() => document.querySelector('#edit-form [data-error-for="tags"]')
      .textContent !== '', null, { timeout: WAIT });
    const id = new URL(page.url()).searchParams.get('image');
    assert((await api('GET', '/images/' + id)).json.tags.length === 2, 'bad tags stored');
    await page.reload();
  });

  await check('keyboard: a card opens with Enter, Back returns to the grid', async () => {
    await page.goto(base + '/');
    await waitCards(page, 2);
    await page.focus('#grid a.card');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => !document.getElementById('detail').hidden, null, { timeout: WAIT });
    await page.focus('#back');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => !document.getElementById('browse').hidden, null, { timeout: WAIT });
    /* Tab from the top reaches the Upload button and the filters. */
    await page.focus('#home');
    const reached = new Set();
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press('Tab');
      reached.add(await page.evaluate(() => document.activeElement.id));
    }
    for (const id of ['upload-toggle', 'f-user_id', 'f-tags', 'f-order'])
      assert(reached.has(id), `Tab never reached #${id}`);
  });

  await check('delete with a confirmation', async () => {
    await openCard(page, 'sample.gif');
    await deleteShown(page, null);
    await waitCards(page, 1);
  });

  await check('a fuller grid for the README (made with canvas, uploaded by the API)', async () => {
    const scenes = [
      ['harbour.png', 'alice', 'Harbour at dawn', ['sea', 'boats'], 'Porto', ['#f6c28b', '#e8833a', '#1f5f8b', '#0d3b5c']],
      ['ridge.png', 'bob', 'Ridge walk', ['hills'], 'Snowdonia', ['#cfe8f3', '#f2f2f2', '#5f8f5a', '#2f5d34']],
      ['desert.png', 'alice', 'Dunes', ['desert', 'sunset'], 'Merzouga', ['#ffd39b', '#ff8f3f', '#d9a25f', '#a8703a']],
      ['night.png', 'carol', 'City at night', ['night'], 'Osaka', ['#1b1f3b', '#f5e6a8', '#3b3f6b', '#23264a']],
      ['meadow.png', 'bob', 'Meadow', ['spring', 'flowers'], null, ['#bfe3ff', '#fff3b0', '#8cc66d', '#5a9a45']],
    ];
    for (const [filename, user, title, tags, where, colours] of scenes) {
      const data = await page.evaluate((c) => {
        const cv = document.createElement('canvas');
        cv.width = 480;
        cv.height = 360;
        const g = cv.getContext('2d');
        g.fillStyle = c[0];
        g.fillRect(0, 0, 480, 360);
        g.fillStyle = c[1];
        g.beginPath();
        g.arc(340, 120, 54, 0, 2 * Math.PI);
        g.fill();
        g.fillStyle = c[2];
        g.beginPath();
        g.moveTo(0, 250); g.lineTo(140, 170); g.lineTo(260, 240); g.lineTo(380, 190);
        g.lineTo(480, 230); g.lineTo(480, 360); g.lineTo(0, 360);
        g.fill();
        g.fillStyle = c[3];
        g.beginPath();
        g.moveTo(0, 300); g.lineTo(200, 260); g.lineTo(480, 310); g.lineTo(480, 360); g.lineTo(0, 360);
        g.fill();
        return cv.toDataURL('image/png');
      }, colours);
      const r = await fetch(base + '/images', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ image_data: data, filename, user_id: user,
          metadata: { title, tags, location: where } }),
      });
      assert(r.status === 201, `upload of ${filename}: ${r.status}`);
    }
    await page.setViewportSize({ width: 1100, height: 640 });
    await page.goto(base + '/');
    await waitCards(page, scenes.length + 1);
    await thumbsLoaded(page);
    await page.screenshot({ path: path.join(outDir, 'console.png') });
  });

  await check('dark scheme and a phone\u2019s width', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 375, height: 740 });
    await page.goto(base + '/');
    await waitCards(page, 6);
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert(bg !== 'rgb(246, 247, 249)', `still light: ${bg}`);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    assert(wide <= 375, `the page is ${wide}px wide at 375`);
    await thumbsLoaded(page);
    await page.screenshot({ path: path.join(outDir, 'phone-dark.png'), fullPage: true });
  });
  await axe(page, 'dark, phone width');
  await openCard(page, 'sample.jpg').catch(() => {});
  await page.screenshot({ path: path.join(outDir, 'detail-phone-dark.png'), fullPage: true });
  await axe(page, 'detail, dark, phone width');
  await page.click('#delete').catch(() => {});
  await axe(page, 'delete confirmation');
  await page.close();
}

async function tokenMode(context) {
  const [alice, bob, admin] = tokens;
  const page = await newPage(context);

  await check('the page asks for a token', async () => {
    await page.goto(base + '/');
    await page.waitForFunction(() => !document.getElementById('token-panel').hidden, null, { timeout: WAIT });
    assert(await page.locator('#browse').isHidden(), 'the grid shows without a token');
  });
  await page.screenshot({ path: path.join(outDir, 'token.png') });
  await axe(page, 'token prompt');

  await check('a wrong token is refused with the API\u2019s message', async () => {
    await page.fill('#token', 'imt_not-a-token');
    await page.click('#token-form button');
    await page.waitForFunction(() => /unknown|revoked/.test(document.getElementById('token-error').textContent),
      null, { timeout: WAIT });
    assert(await page.evaluate(() => sessionStorage.length) === 0, 'a refused token was kept');
  });

  async function signIn(p, t) {
    await p.fill('#token', t);
    await p.click('#token-form button');
    await p.waitForFunction(() => document.getElementById('token-panel').hidden &&
      /image/.test(document.getElementById('status').textContent), null, { timeout: WAIT });
  }

  await check('a user\u2019s token: upload as that user, kept for this tab only', async () => {
    await signIn(page, alice);
    await pickFiles(page, ['sample.png']);
    await page.locator('#queue li').getByLabel('Title').fill('Alice\u2019s cat');
    await page.click('#upload-start');
    await waitUploads(page);
    assert(await itemState(page, 0) === 'Uploaded', 'not uploaded');
    await waitCards(page, 1);
    const st = await page.evaluate(() => [sessionStorage.getItem('imaged.token'), localStorage.length]);
    assert(st[0] === alice && st[1] === 0, 'token not in sessionStorage only');
    await page.reload();
    await waitCards(page, 1);
  });

  const bobPage = await newPage(context);
  await check('another tab asks again; bob drops a file and sees only his own images', async () => {
    await bobPage.bringToFront();
    await bobPage.goto(base + '/');
    await bobPage.waitForFunction(() => !document.getElementById('token-panel').hidden, null, { timeout: WAIT });
    await signIn(bobPage, bob);
    await dropFiles(bobPage, ['sample.webp']);
    assert(await bobPage.locator('#queue li').count() === 1, 'the drop added no item');
    await bobPage.click('#upload-start');
    await waitUploads(bobPage);
    await waitCards(bobPage, 1);
    assert((await bobPage.locator('#grid').textContent()).includes('bob'), 'not bob\u2019s');
    await page.bringToFront();
    await page.reload();
    await waitCards(page, 1);
    assert(!(await page.locator('#grid').textContent()).includes('bob'), 'alice sees bob\u2019s image');
  });

  await check('an admin token sees every user', async () => {
    const p = await newPage(context);
    await p.bringToFront();
    await p.goto(base + '/');
    await p.waitForFunction(() => !document.getElementById('token-panel').hidden, null, { timeout: WAIT });
    await signIn(p, admin);
    await waitCards(p, 2);
    const text = await p.locator('#grid').textContent();
    assert(text.includes('alice') && text.includes('bob'), 'admin does not see both');
    await thumbsLoaded(p);
    await p.close();
  });

  /* Background tabs are throttled: work in the front one. */
  await bobPage.close();
  await page.bringToFront();
  await check('token mode: thumbnails and the detail view\u2019s image load', async () => {
    await thumbsLoaded(page);
    await openCard(page, 'sample.png');
    await detailImageLoaded(page);
  });
  await check('token mode: copy the signed URL and fetch it', () => copyAndFetch(page, 'sample.png'));
  await check('token mode: edit the title, see it after a reload', () =>
    editTitle(page, 'Alice\u2019s cat, renamed'));
  await check('token mode: delete with a confirmation', async () => {
    await deleteShown(page, alice);
    await waitCards(page, 0);
  });
  await axe(page, 'token mode, grid');

  await check('forget the token: the page asks again', async () => {
    await page.click('#forget-token');
    await page.waitForFunction(() => !document.getElementById('token-panel').hidden, null, { timeout: WAIT });
    assert(await page.evaluate(() => sessionStorage.getItem('imaged.token')) === null, 'token kept');
  });
  await page.close();
}

(async () => {
  const t0 = Date.now();
  const { context, userDir } = await launch();
  try {
    if (mode === 'token') await tokenMode(context);
    else await openMode(context);
  } catch (e) {
    failures++;
    console.log(`FAIL ${mode}: the run stopped: ${e.message}`);
  } finally {
    await context.close();
    fs.rmSync(userDir, { recursive: true, force: true });
  }
  await check('no script error or CSP violation on any page', async () => {
    assert(errors.length === 0, errors.slice(0, 3).join(' | '));
  });
  console.log(`browser ${mode}: ${passes} passed, ${failures} failed in ${Date.now() - t0} ms`);
  process.exit(failures ? 1 : 0);
})();
