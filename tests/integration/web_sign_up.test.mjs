// Creating an account from the Studio's form: registration answers alike for new and taken
// emails (no account enumeration, docs/architecture.md), so the form signs in right after. A new
// artist ends up signed in; someone registering an email that already has an account, with
// another password, is told to sign in with that account's password, and is not signed in.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { register, uniqueEmail } from './lib/fixtures.mjs';
import { launchBrowser } from './lib/browser.mjs';
import { openPage, until } from './lib/web.mjs';

let server, browser;
before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server.cleanup();
});

async function signUp(page, { email, password, displayName }) {
  await page.click('#signin-panel button.link');  // "Create an account"
  await page.fill('#signin-panel input[name=email]', email);
  await page.fill('#signin-panel input[name=password]', password);
  await page.fill('#signin-panel input[name=displayName]', displayName);
  await page.click('#signin-panel button[type=submit]');
}

const storedSession = (page) => page.evaluate(() => JSON.parse(sessionStorage.getItem('stagecast.session') ?? 'null'));

test('a new artist creates an account in the Studio and is signed in', async () => {
  const { page, errors } = await openPage(browser, `${server.url}/studio`);
  const email = uniqueEmail('newartist');
  await signUp(page, { email, password: 'a fine new password', displayName: 'Brand New' });
  await until(page, () => document.querySelector('#signin-panel').hidden, null, { what: 'the sign-in panel to go' });
  const s = await storedSession(page);
  assert.equal(s.user.email, email);
  assert.equal(s.user.role, 'ARTIST');
  const me = await server.api('GET', '/api/me', { token: s.token });
  assert.equal(me.status, 200);
  assert.equal(me.body.displayName, 'Brand New');
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('an email that has an account: told to sign in with its password, not signed in', async () => {
  const owner = await register(server, { role: 'ARTIST', displayName: 'Owner' });
  const { page, errors } = await openPage(browser, `${server.url}/studio`);
  await signUp(page, { email: owner.email, password: 'somebody elses guess', displayName: 'Impostor' });
  await page.waitForSelector('#signin-panel p.error:not([hidden])');
  assert.match(await page.textContent('#signin-panel p.error'), /already has an account, sign in with its password/);
  assert.equal(await storedSession(page), null);
  assert.equal(await page.isVisible('#signin-panel'), true);
  assert.deepEqual(errors, []);
  await page.context().close();
});
