// Configuration: file < environment < flags, --print-config masks secrets, unknown keys fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from './lib/server.mjs';

function run(args, env = {}) {
  return spawnSync(BIN, args, { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
}

test('precedence is file < environment < flags, secrets masked', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stagecast-config-'));
  const file = join(dir, 'stagecast.toml');
  writeFileSync(file, '[http]\nport = 7001\nhost = "127.0.0.1"\n[rtmp]\nport = 7002\n[streams]\nmax_viewers = 5\n[auth]\njwt_secret = "file-secret-value"\n');
  const r = run(['--config', file, '--print-config', '--rtmp.port=7003'], { STAGECAST_STREAMS_MAX_VIEWERS: '6', STAGECAST_HTTP_PORT: '7004' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\[http\][^[]*port = 7004/);  // env beats file
  assert.match(r.stdout, /\[rtmp\][^[]*port = 7003/);  // flag beats file
  assert.match(r.stdout, /max_viewers = 6/);
  assert.match(r.stdout, /jwt_secret = "\*\*\*"/);
  assert.doesNotMatch(r.stdout, /file-secret-value/);
});

test('unknown and mistyped keys are clear start-up errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stagecast-config-'));
  const file = join(dir, 'bad.toml');
  writeFileSync(file, '[http]\nprot = 8080\n');
  let r = run(['--config', file, '--print-config']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown key 'http.prot'/);
  writeFileSync(file, '[http]\nport = "eighty"\n');
  r = run(['--config', file, '--print-config']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /http.port expects an integer/);
  r = run(['--print-config', '--http.portt=1']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown flag '--http.portt'/);
  r = run(['--print-config'], { STAGECAST_HTTP_PROT: '1' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown environment variable 'STAGECAST_HTTP_PROT'/);
  r = run(['--print-config', '--auth.jwt_secret=abc', '--http.port=-5']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /http.port must be/);
  // 4.4.3.8: PART-HOLD-BACK is at least twice PART-TARGET.
  r = run(['--print-config', '--hls.part_hold_back_percent=150']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /hls.part_hold_back_percent must be 200..1000/);
  // A fan-out's pace: 0 (unpaced) or a positive rate.
  r = run(['--print-config', '--notify.push_per_second=-1']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /notify.email_per_second and push_per_second: 0 \(unpaced\) .. 1000000/);
  r = run(['--print-config', '--notify.email_per_second=0']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /email_per_second = 0/);
  writeFileSync(file, '[http\nport = 1\n');
  r = run(['--config', file, '--print-config']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /bad.toml:1/);
});

test('production mode refuses a short admin API key', () => {
  let r = run(['--print-config', '--server.production=true', '--auth.admin_api_key=change-me']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /auth.admin_api_key must be at least 24 characters in production/);
  assert.doesNotMatch(r.stderr, /change-me/, 'the key itself is never printed');
  r = run(['--print-config', '--server.production=true', '--auth.admin_api_key=0123456789abcdef01234567']);
  assert.equal(r.status, 0, r.stderr);
});
