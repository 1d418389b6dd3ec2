// The settings page's per-artist "by email" box (docs/web.md, Notifications), in Chromium, on a
// server that sends email (npm smtp-server): an artist whose mails a fan stopped with a mail's
// unsubscribe link shows unchecked, and checking it and saving brings that artist's email back
// (emailMutedArtists); unchecking stops it again. On a server without a mail server the box is
// not offered (web_notifications.test.mjs: no promise the server cannot keep).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { register, verifiedArtist } from './lib/fixtures.mjs';
import { SmtpSink } from './lib/smtp_sink.mjs';
import { launchBrowser } from './lib/browser.mjs';
import { openPage, until } from './lib/web.mjs';

test('the settings page shows and changes one artist\'s email', async () => {
  const sink = await new SmtpSink().listen();
  const server = await startServer({ args: sink.args() });
  const browser = await launchBrowser();
  try {
    const artist = await verifiedArtist(server, 'Mail Band');
    const other = await verifiedArtist(server, 'Still Mailed');
    const fan = await register(server, { displayName: 'Fan' });
    for (const a of [artist, other]) {
      const r = await server.admin('PUT', '/api/admin/subscriptions', { fanId: fan.id, artistId: a.id, tier: 1, status: 'ACTIVE', expiresAt: null });
      assert.equal(r.status, 200, r.text);
    }
    // What a mail's one-click unsubscribe leaves behind.
    const put = await server.api('PUT', '/api/me/notification-settings', { token: fan.token, body: { emailMutedArtists: [artist.id] } });
    assert.equal(put.status, 200, put.text);

    const s = await openPage(browser, `${server.url}/notifications`, { user: fan });
    const box = (a) => `#artist-list li[data-artist-id="${a.id}"] input[name="artist-email"]`;
    await until(s.page, () => document.querySelector('#settings-form'), null, { what: 'the settings form' });
    assert.equal(await s.page.isChecked(box(artist)), false, 'the stopped artist');
    assert.equal(await s.page.isChecked(box(other)), true);
    assert.equal(await s.page.isChecked(`#artist-list li[data-artist-id="${artist.id}"] input[name="artist"]`), true, 'still notified in-app');
    assert.equal(await s.page.getAttribute(box(artist), 'aria-label'), 'Email about Mail Band');

    await s.page.check(box(artist));
    await s.page.uncheck(box(other));
    await s.page.click('#settings-save');
    await until(s.page, () => document.querySelector('#settings-status')?.textContent === 'Saved.', null, { what: 'saved' });
    const r = await server.api('GET', '/api/me/notification-settings', { token: fan.token });
    assert.deepEqual(r.body.emailMutedArtists, [other.id]);
    assert.deepEqual(r.body.mutedArtists, []);
    assert.equal(r.body.email, true);
    assert.deepEqual(s.errors, []);
    assert.deepEqual(s.csp, []);
  } finally {
    await browser.close();
    await server.cleanup();
    await sink.close();
  }
});
