// Helpers for the tests of the Studio and Viewer pages in Chromium (web_*.test.mjs).

// page.waitForFunction evaluates its predicate with eval when it polls, which the pages' CSP
// (rightly) forbids; poll with page.evaluate instead (DevTools protocol calls, not eval).
export async function until(page, fn, arg, { timeout = 15000, interval = 100, what } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await page.evaluate(fn, arg);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what ?? fn.toString()}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

// The session as the pages keep it (sessionStorage 'stagecast.session', docs/web.md).
export function sessionOf(user) {
  return JSON.stringify({ token: user.token, user: { id: user.id, email: user.email, displayName: user.displayName, role: user.role } });
}

// A page in a browser context of its own (storage, cookies), optionally signed in as `user`.
// Returns { page, dialogs, errors, csp }: alerts and prompts (confirm() is accepted), script
// errors and CSP violations seen, for the tests to assert on.
export async function openPage(browser, url, { user, viewport = { width: 1366, height: 860 }, mobile = false } = {}) {
  const context = await browser.newContext({ viewport, isMobile: mobile, hasTouch: mobile, deviceScaleFactor: mobile ? 2 : 1 });
  if (user) await context.addInitScript((s) => sessionStorage.setItem('stagecast.session', s), sessionOf(user));
  const page = await context.newPage();
  const seen = { page, dialogs: [], errors: [], csp: [] };
  page.on('dialog', (d) => {
    if (d.type() === 'confirm') d.accept(); else { seen.dialogs.push(`${d.type()}: ${d.message()}`); d.dismiss(); }
  });
  page.on('pageerror', (e) => seen.errors.push(String(e)));
  page.on('console', (m) => { if (/Content.Security.Policy/i.test(m.text())) seen.csp.push(m.text()); });
  await page.goto(url);
  return seen;
}
