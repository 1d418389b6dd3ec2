// Headless Debian Chromium driven by playwright-core (no browser download: /usr/bin/chromium).
// playwright gives every launch a fresh, empty profile directory of its own.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// `args`: extra Chromium switches (e.g. --ignore-certificate-errors-spki-list for a test's own
// certificate).
export async function launchBrowser({ args = [] } = {}) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
      '--autoplay-policy=no-user-gesture-required',
      ...args,
    ],
  });
}

export function artifactsDir() {
  const dir = process.env.SC_TEST_ARTIFACTS ?? join(tmpdir(), 'stagecast-artifacts');
  mkdirSync(dir, { recursive: true });
  return dir;
}
