// A ticket bought in the Viewer on the embedded default (the sandbox provider), end to end in
// Chromium: a fan without a ticket sees the paywall and gets no media; buys through the sandbox
// dialog; the sandbox's signed event goes through the webhook path; the player starts within
// seconds, without a reload, and the chat opens.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer } from './lib/server.mjs';
import { register, verifiedArtist } from './lib/fixtures.mjs';
import { liveStream } from './lib/live_stream.mjs';
import { launchBrowser, artifactsDir } from './lib/browser.mjs';
import { until, openPage } from './lib/web.mjs';

let server; let browser; let artist; let stream;
const shots = artifactsDir();

before(async () => {
  server = await startServer({ args: ['--streams.reconnect_grace_seconds=60'] });
  browser = await launchBrowser();
  artist = await verifiedArtist(server, 'Paid Artist');
  stream = await liveStream(server, artist, { title: 'Paid premiere', visibility: 'PAID', priceCents: 1200 });
});

after(async () => {
  await browser?.close();
  await stream?.stop();
  await server?.cleanup();
});

test('a fan sees the paywall, buys a ticket in the sandbox dialog, and the stream plays and the chat opens', async () => {
  const fan = await register(server, { displayName: 'Ticket Buyer' });
  const v = await openPage(browser, `${server.url}/watch/${stream.id}`, { user: fan });
  const { page } = v;
  const hls = [];
  page.on('request', (r) => { if (r.url().includes('/hls/')) hls.push(r.url()); });
  await until(page, () => document.body.dataset.phase === 'denied', null, { timeout: 15000, what: 'the paywall' });
  assert.equal(await page.getAttribute('#overlay', 'data-reason'), 'ticket_required');
  assert.match(await page.textContent('#overlay-text'), /\$12\.00/);
  assert.equal(await page.$('video'), null, 'no video element without a ticket');
  assert.deepEqual(hls, [], 'no playlist requested without a ticket');
  await until(page, () => document.querySelector('#chat input[name=message]')?.disabled === true, null, { what: 'a closed chat' });
  await page.screenshot({ path: join(shots, 'viewer-paywall.png') });

  const started = Date.now();
  await page.click('#buy-ticket');
  await page.click('dialog.ticket-dialog button[type=submit]');
  await page.waitForSelector('dialog.ticket-dialog .sandbox-note');
  assert.match(await page.textContent('dialog.ticket-dialog'), /\$12\.00/);
  await page.click('dialog.ticket-dialog >> text=Complete test payment');

  // No reload: the same page plays once the webhook has landed.
  await until(page, () => globalThis.stagecastViewer.phase === 'playing', null, { timeout: 20000, what: 'playback after buying' });
  await until(page, () => (document.querySelector('#screen video')?.currentTime ?? 0) > 0.2, null, { timeout: 20000, what: 'frames' });
  const seconds = (Date.now() - started) / 1000;
  assert.ok(seconds < 20, `the player started ${seconds.toFixed(1)} s after the payment`);
  assert.ok(hls.length > 0 && hls.every((u) => u.includes('token=')), 'the playlist is fetched with a playback token');

  // The checkout closes by itself; the room lets the fan in now: chat opens, a message goes through.
  await until(page, () => !document.querySelector('dialog.ticket-dialog'), null, { what: 'the checkout closing' });
  await until(page, () => document.querySelector('#chat input[name=message]')?.disabled === false, null, { timeout: 15000, what: 'the chat opening' });
  await page.fill('#chat input[name=message]', 'worth every cent');
  await page.press('#chat input[name=message]', 'Enter');
  await until(page, () => [...document.querySelectorAll('#chat .message')].some((m) => m.textContent.includes('worth every cent')), null, { what: 'the message in chat' });
  await page.screenshot({ path: join(shots, 'viewer-ticket-playing.png') });

  const ticket = await server.api('GET', `/api/livestream/${stream.id}/tickets/me`, { token: fan.token });
  assert.equal(ticket.body.status, 'PAID');
  assert.equal(ticket.body.provider, 'sandbox');
  const owner = await server.api('GET', `/api/livestream/${stream.id}`, { token: artist.token });
  assert.deepEqual(owner.body.tickets, { sold: 1, grossCents: 1200, feeCents: 60, artistCents: 1140, given: 0 });
  assert.deepEqual(v.errors, []);
  assert.deepEqual(v.csp, []);
  await page.context().close();

  // The Studio shows the sale in the stream's figures.
  const studio = await openPage(browser, `${server.url}/studio#stream=${stream.id}`, { user: artist });
  const text = (id) => studio.page.evaluate((i) => document.getElementById(i)?.textContent, id);
  await until(studio.page, () => document.querySelector('#analytics-tickets-sold')?.textContent === '1', null, { timeout: 15000, what: 'tickets sold in the Studio' });
  assert.equal(await studio.page.isVisible('#analytics-tickets-sold'), true);
  assert.equal(await text('analytics-tickets-gross'), '$12.00');
  assert.equal(await text('analytics-tickets-fee'), '$0.60');
  assert.equal(await text('analytics-tickets-net'), '$11.40');
  assert.deepEqual(studio.errors, []);
  await studio.page.context().close();
});

test('a declined test payment leaves the paywall up and charges nothing', async () => {
  const fan = await register(server, { displayName: 'Declined' });
  const v = await openPage(browser, `${server.url}/watch/${stream.id}`, { user: fan });
  const { page } = v;
  await until(page, () => document.body.dataset.phase === 'denied', null, { what: 'the paywall' });
  await page.click('#buy-ticket');
  await page.click('dialog.ticket-dialog button[type=submit]');
  await page.click('dialog.ticket-dialog >> text=Simulate a decline');
  await page.waitForSelector('dialog.ticket-dialog .error:not([hidden])');
  assert.match(await page.textContent('dialog.ticket-dialog .error'), /declined/);
  const ticket = await server.api('GET', `/api/livestream/${stream.id}/tickets/me`, { token: fan.token });
  assert.equal(ticket.body.status, 'FAILED');
  assert.equal(await page.evaluate(() => globalThis.stagecastViewer.phase), 'denied');
  assert.equal(await page.$('video'), null);
  assert.deepEqual(v.errors, []);
  await page.context().close();
});
