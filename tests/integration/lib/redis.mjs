// A real redis-server for the multi-node tests: 127.0.0.1, an ephemeral port, no persistence,
// in a temporary directory; stopped (or killed) by its pid.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free_port.mjs';

// One RESP command over a fresh connection (the tests' own view of Redis, independent of the
// server's hiredis); resolves with the raw reply text.
export function redisCommand(port, ...args) {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let data = '';
    sock.on('data', (d) => {
      data += d;
      if (data.endsWith('\r\n')) { sock.end(); resolve(data); }
    });
    sock.on('error', reject);
    sock.write(`*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join(''));
  });
}

export class RedisServer {
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'stagecast-redis-'));
    this.log = '';
  }

  async start(port) {
    this.port = port ?? this.port ?? await freePort();
    this.proc = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(this.port), '--save', '',
      '--appendonly', 'no', '--dir', this.dir, '--protected-mode', 'yes'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout.on('data', (d) => { this.log += d; });
    this.proc.stderr.on('data', (d) => { this.log += d; });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal })));
    const deadline = Date.now() + 10000;
    for (;;) {
      try { if ((await redisCommand(this.port, 'PING')).startsWith('+PONG')) break; } catch { /* not yet */ }
      if (this.proc.exitCode !== null) throw new Error(`redis-server exited:\n${this.log}`);
      if (Date.now() > deadline) throw new Error(`redis-server did not start:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    this.url = `redis://127.0.0.1:${this.port}`;
    return this;
  }

  async kill(signal = 'SIGKILL') {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    process.kill(this.proc.pid, signal);
    await this.exited;
  }

  async cleanup() {
    await this.kill('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function startRedis() {
  return new RedisServer().start();
}
