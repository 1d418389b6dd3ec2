// A real SMTP server on loopback (npm smtp-server) that keeps every accepted mail: STARTTLS with
// a self-signed certificate the server is told to trust (smtpArgs), AUTH PLAIN. Used by the
// scheduled-stream and unsubscribe tests (notifications_email.test.mjs keeps its own copy).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

export class SmtpSink {
  constructor() {
    this.mails = [];
    this.waiters = [];
    this.dir = mkdtempSync(join(tmpdir(), 'stagecast-smtp-'));
    this.keyFile = join(this.dir, 'key.pem');
    this.certFile = join(this.dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', this.keyFile, '-out', this.certFile], { stdio: 'ignore' });
  }

  async listen() {
    this.server = new SMTPServer({
      key: readFileSync(this.keyFile), cert: readFileSync(this.certFile), authMethods: ['PLAIN'],
      onAuth: (auth, session, cb) => (auth.username === 'stagecast' && auth.password === 'smtp-secret-pw'
        ? cb(null, { user: auth.username }) : cb(new Error('bad credentials'))),
      onData: (stream, session, cb) => {
        const chunks = [];
        stream.on('data', (c) => chunks.push(c));
        stream.on('end', () => {
          this.mails.push({ to: session.envelope.rcptTo.map((r) => r.address), tls: Boolean(session.secure),
            raw: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
          for (const w of this.waiters.splice(0)) w();
          cb();
        });
      },
      logger: false,
    });
    await new Promise((resolve, reject) => { this.server.once('error', reject); this.server.listen(0, '127.0.0.1', resolve); });
    this.port = this.server.server.address().port;
    return this;
  }

  // The server's flags to deliver here.
  args() {
    return [`--notify.smtp_url=smtp://127.0.0.1:${this.port}`, '--notify.smtp_tls=starttls', `--notify.smtp_ca_file=${this.certFile}`,
      '--notify.smtp_username=stagecast', '--notify.smtp_password=smtp-secret-pw', '--notify.email_from=live@stagecast.test',
      '--notify.email_retry_base_ms=200', '--notify.email_retry_max_ms=1000'];
  }

  async until(n, timeoutMs = 20000) {
    const deadline = Date.now() + timeoutMs;
    while (this.mails.length < n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.mails.length} of ${n} mails arrived`);
      await new Promise((resolve) => { const t = setTimeout(resolve, left); this.waiters.push(() => { clearTimeout(t); resolve(); }); });
    }
  }

  async close() {
    await new Promise((resolve) => this.server.close(resolve));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// A header's value (unfolded) from a raw message.
export function header(raw, name) {
  const head = raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]/g, ' ');
  const line = head.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line === undefined ? undefined : line.slice(name.length + 1).trim();
}

// The decoded text/plain or text/html part (base64, as the server writes them).
export function part(raw, type) {
  const at = raw.indexOf(`Content-Type: ${type}`);
  if (at < 0) return undefined;
  const body = raw.slice(raw.indexOf('\r\n\r\n', at) + 4, raw.indexOf('\r\n--', at));
  return Buffer.from(body.replace(/\r\n/g, ''), 'base64').toString('utf8');
}
