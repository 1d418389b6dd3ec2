// Starts the real stagecast binary on ephemeral loopback ports with its own data directory.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const BIN = process.env.SC_TEST_BIN ?? new URL('../../../build/src/app/stagecast', import.meta.url).pathname;
export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';

export class StagecastProcess {
  constructor({ dataDir, args = [], env = {} } = {}) {
    this.dataDir = dataDir ?? mkdtempSync(join(tmpdir(), 'stagecast-'));
    this.ownsDataDir = !dataDir;
    this.args = args;
    this.env = env;
    this.log = '';
  }

  async start() {
    const portsFile = join(this.dataDir, `ports-${process.pid}-${Date.now()}.json`);
    const args = [
      '--http.port=0', '--rtmp.port=0', '--webrtc.udp_port=0', '--webrtc.tcp_port=0',
      `--server.data_dir=${this.dataDir}`,
      `--ports-file=${portsFile}`,
      `--auth.admin_api_key=${ADMIN_KEY}`,
      // Fast password hashing in tests (libsodium's minimum limits).
      '--auth.argon2_ops_limit=1', '--auth.argon2_mem_limit_kib=8',
      // Every test signs up and in from 127.0.0.1: no per-address or per-account waits, except
      // in the tests about them (a later flag wins).
      '--auth.attempts_per_minute=1000000', '--auth.attempts_burst=1000000',
      '--auth.login_free_failures=1000000', '--auth.password_queue=10000',
      // The ABR ladder costs about a third of a core per stream: only the tests about it turn it
      // on (a later flag wins), so the rest of the suite stays light on a 2-core CI machine.
      '--transcode.enabled=false',
      // Recording (record.enabled, on by default) writes every stream to disk; only the tests
      // about it turn it on.
      '--record.enabled=false',
      // The Viewer starts in Real-time (WHEP) where it is offered (webrtc.viewer_default): the
      // tests of LL-HLS in the Viewer need LL-HLS; the WHEP tests turn the default back on.
      '--webrtc.viewer_default=hls',
      ...this.args,
    ];
    this.proc = spawn(BIN, args, { env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout.on('data', (d) => { this.log += d; });
    this.proc.stderr.on('data', (d) => { this.log += d; });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal })));
    const deadline = Date.now() + 20000;
    while (!existsSync(portsFile)) {
      if (this.proc.exitCode !== null) throw new Error(`stagecast exited early:\n${this.log}`);
      if (Date.now() > deadline) throw new Error(`stagecast did not start:\n${this.log}`);
      await sleep(25);
    }
    const ports = JSON.parse(readFileSync(portsFile, 'utf8'));
    rmSync(portsFile, { force: true });
    this.httpPort = ports.http;
    this.rtmpPort = ports.rtmp;
    this.webrtcUdpPort = ports.webrtc_udp;
    this.webrtcTcpPort = ports.webrtc_tcp;
    this.url = `http://127.0.0.1:${ports.http}`;
    this.rtmpUrl = `rtmp://127.0.0.1:${ports.rtmp}/live`;
    // TLS listeners (tls.cert_file set): 0 otherwise.
    this.httpsPort = ports.https ?? 0;
    this.rtmpsPort = ports.rtmps ?? 0;
    return this;
  }

  // Stops with SIGTERM and waits; a crash (signal other than ours, or non-zero exit) throws.
  async stop() {
    if (!this.proc || this.proc.exitCode !== null) return this.proc?.exitCode;
    this.proc.kill('SIGTERM');
    const { code, signal } = await this.exited;
    if (code !== 0) throw new Error(`stagecast exit code=${code} signal=${signal}\n${this.log.slice(-4000)}`);
    return code;
  }

  async cleanup() {
    await this.stop().catch(() => {});
    if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }

  // JSON API call; returns { status, body, headers }.
  async api(method, path, { token, body, raw, headers = {} } = {}) {
    const h = { ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    let payload;
    if (raw !== undefined) payload = raw;
    else if (body !== undefined) { payload = JSON.stringify(body); h['content-type'] = 'application/json'; }
    const res = await fetch(this.url + path, { method, headers: h, body: payload });
    const text = await res.text();
    let json;
    try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
    return { status: res.status, body: json, text, headers: res.headers };
  }

  admin(method, path, body) {
    return this.api(method, path, { body, headers: { 'x-api-key': ADMIN_KEY } });
  }
}

export async function startServer(opts) {
  return new StagecastProcess(opts).start();
}
