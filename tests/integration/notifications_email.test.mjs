// Notification email over SMTP (docs/notifications.md) against a real SMTP server started here
// on loopback (npm smtp-server): STARTTLS required with a self-signed certificate the server is
// told to trust, AUTH PLAIN, one mail per subscriber who allows email; and a mail server that is
// down while the artist goes live: delivery is retried with backoff and every subscriber gets
// exactly one mail once it is back, also across a SIGKILL of the server; a server that does not
// offer STARTTLS gets nothing.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { startServer, StagecastProcess } from './lib/server.mjs';
import { register, verifiedArtist } from './lib/fixtures.mjs';
import { liveStream } from './lib/live_stream.mjs';
import { waitFor } from './lib/media.mjs';

const dir = mkdtempSync(join(tmpdir(), 'stagecast-smtp-'));
const keyFile = join(dir, 'key.pem');
const certFile = join(dir, 'cert.pem');
execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
  '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
after(() => rmSync(dir, { recursive: true, force: true }));

// A mail sink: every accepted message with its envelope; `tls` when STARTTLS was used.
class Sink {
  constructor({ hideSTARTTLS = false } = {}) { this.mails = []; this.waiters = []; this.hideSTARTTLS = hideSTARTTLS; }
  async listen(port = 0) {
    this.server = new SMTPServer({
      hideSTARTTLS: this.hideSTARTTLS, allowInsecureAuth: this.hideSTARTTLS,
      key: readFileSync(keyFile), cert: readFileSync(certFile),
      authMethods: ['PLAIN', 'LOGIN'],
      onAuth: (auth, session, cb) => (auth.username === 'stagecast' && auth.password === 'smtp-secret-pw'
        ? cb(null, { user: auth.username }) : cb(new Error('bad credentials'))),
      onData: (stream, session, cb) => {
        const chunks = [];
        stream.on('data', (c) => chunks.push(c));
        stream.on('end', () => {
          this.mails.push({ to: session.envelope.rcptTo.map((r) => r.address), from: session.envelope.mailFrom.address,
            tls: Boolean(session.secure), user: session.user, raw: Buffer.concat(chunks).toString('utf8') });
          for (const w of this.waiters.splice(0)) w();
          cb();
        });
      },
      logger: false,
    });
    await new Promise((resolve, reject) => { this.server.once('error', reject); this.server.listen(port, '127.0.0.1', resolve); });
    this.port = this.server.server.address().port;
    return this;
  }
  close() { return new Promise((resolve) => this.server.close(resolve)); }
  async until(n, timeoutMs = 20000) {
    const deadline = Date.now() + timeoutMs;
    while (this.mails.length < n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.mails.length} of ${n} mails arrived`);
      await new Promise((resolve) => { const t = setTimeout(resolve, left); this.waiters.push(() => { clearTimeout(t); resolve(); }); });
    }
  }
}

function smtpArgs(port) {
  return [`--notify.smtp_url=smtp://127.0.0.1:${port}`, '--notify.smtp_tls=starttls', `--notify.smtp_ca_file=${certFile}`,
    '--notify.smtp_username=stagecast', '--notify.smtp_password=smtp-secret-pw', '--notify.email_from=live@stagecast.test',
    '--notify.email_retry_base_ms=200', '--notify.email_retry_max_ms=1000', '--notify.email_max_attempts=20'];
}

function textPart(raw) {
  const at = raw.indexOf('Content-Type: text/plain');
  const body = raw.slice(raw.indexOf('\r\n\r\n', at) + 4, raw.indexOf('\r\n--', at));
  return Buffer.from(body.replace(/\r\n/g, ''), 'base64').toString('utf8');
}

async function audience(server, n) {
  const artist = await verifiedArtist(server, 'Mail Artist');
  const fans = [];
  for (let i = 0; i < n; i++) {
    const fan = await register(server);
    const r = await server.admin('PUT', '/api/admin/subscriptions', { fanId: fan.id, artistId: artist.id, tier: 1, status: 'ACTIVE', expiresAt: null });
    assert.equal(r.status, 200, r.text);
    fans.push(fan);
  }
  return { artist, fans };
}

function perRecipient(sink) {
  const count = new Map();
  for (const m of sink.mails) for (const to of m.to) count.set(to, (count.get(to) ?? 0) + 1);
  return count;
}

test('one mail per subscriber who allows email, over STARTTLS with AUTH', async () => {
  const sink = await new Sink().listen();
  const server = await startServer({ args: smtpArgs(sink.port) });
  try {
    assert.ok(!server.log.includes('smtp-secret-pw'), 'the SMTP password is never logged');
    const { artist, fans } = await audience(server, 3);
    const r = await server.api('PUT', '/api/me/notification-settings', { token: fans[2].token, body: { email: false } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.email, false);
    const live = await liveStream(server, artist, { title: 'Mailed set' });
    try {
      await sink.until(2);
      const late = await new Promise((resolve) => setTimeout(() => resolve(sink.mails.length), 1000));
      assert.equal(late, 2, 'no third mail, no duplicate');
      assert.deepEqual([...perRecipient(sink).entries()].sort(), [[fans[0].email, 1], [fans[1].email, 1]].sort());
      for (const m of sink.mails) {
        assert.equal(m.tls, true, 'STARTTLS was used');
        assert.equal(m.user, 'stagecast');
        assert.equal(m.from, 'live@stagecast.test');
        assert.match(m.raw, /^Subject: Mail Artist is live: Mailed set\r$/m);
        assert.match(m.raw, new RegExp(`^Message-ID: <stream_live\\.${live.id}\\.[0-9a-f]+\\.EMAIL@stagecast\\.test>\\r$`, 'm'));
        assert.ok(textPart(m.raw).includes(`${server.url}/watch/${live.id}`), textPart(m.raw));
      }
    } finally {
      await live.stop();
    }
    assert.ok(!server.log.includes('smtp-secret-pw'));
  } finally {
    await server.cleanup();
    await sink.close();
  }
});

test('a mail server down during the go-live: retried with backoff, each mail arrives once', async () => {
  let sink = await new Sink().listen();
  const port = sink.port;
  const server = await startServer({ args: smtpArgs(port) });
  try {
    const { artist, fans } = await audience(server, 3);
    await sink.close();
    const live = await liveStream(server, artist, { title: 'Outage set' });
    try {
      await waitFor(() => /attempt 2 failed/.test(server.log), { timeout: 15000, what: 'a second failed attempt' });
      sink = await new Sink().listen(port);
      await sink.until(3);
      const late = await new Promise((resolve) => setTimeout(() => resolve(sink.mails.length), 1500));
      assert.equal(late, 3, 'nothing sent twice');
      assert.deepEqual([...perRecipient(sink).values()], [1, 1, 1]);
      assert.deepEqual([...perRecipient(sink).keys()].sort(), fans.map((f) => f.email).sort());
    } finally {
      await live.stop();
    }
  } finally {
    await server.cleanup();
    await sink.close();
  }
});

test('STARTTLS asked but not offered: nothing is sent in clear text', async () => {
  const sink = await new Sink({ hideSTARTTLS: true }).listen();
  const server = await startServer({ args: smtpArgs(sink.port) });
  try {
    const { artist } = await audience(server, 1);
    const live = await liveStream(server, artist, { title: 'Clear text?' });
    try {
      await waitFor(() => /attempt 1 failed/.test(server.log), { timeout: 15000, what: 'a failed attempt' });
      assert.equal(sink.mails.length, 0);
      assert.ok(!server.log.includes('smtp-secret-pw'));
    } finally {
      await live.stop();
    }
  } finally {
    await server.cleanup();
    await sink.close();
  }
});

test('SIGKILL while mails wait for a mail server that is down: after a restart each arrives once', async () => {
  let sink = await new Sink().listen();
  const port = sink.port;
  // A short SMTP timeout, so that a row claimed when the kill came is leased for seconds only.
  const args = [...smtpArgs(port), '--notify.smtp_timeout_ms=1500'];
  let server = await startServer({ args });
  const dataDir = server.dataDir;
  try {
    const { artist, fans } = await audience(server, 3);
    await sink.close();
    const live = await liveStream(server, artist, { title: 'Killed set' });
    await waitFor(() => /attempt 1 failed/.test(server.log), { timeout: 15000, what: 'a failed attempt' });
    server.proc.kill('SIGKILL');
    await server.exited;
    await live.stop();
    sink = await new Sink().listen(port);
    server = await new StagecastProcess({ dataDir, args }).start();
    await sink.until(3);
    const late = await new Promise((resolve) => setTimeout(() => resolve(sink.mails.length), 1500));
    assert.equal(late, 3, 'nothing sent twice');
    assert.deepEqual([...perRecipient(sink).keys()].sort(), fans.map((f) => f.email).sort());
  } finally {
    server.ownsDataDir = true;
    await server.cleanup();
    await sink.close();
  }
});
