// bench/store: the stream list and chat history endpoints on PostgreSQL against SQLite, in one
// run. For each backend the same server binary starts on its own database (SQLite: a file in a
// temporary data directory; PostgreSQL: a cluster on loopback started by
// scripts/pg-test-cluster.sh, as the tests do), is seeded the same way (STREAMS streams, MESSAGES
// chat messages posted over the WebSocket, every ack awaited), then CONCURRENCY keep-alive
// clients ask one endpoint for SECONDS: GET /api/livestream?limit=20 (the home page's list) and
// GET /api/livestream/{id}/chat?limit=50 (the history a viewer loads on joining). Prints
// requests per second and p99 for each, and PostgreSQL's over SQLite's.
//
//   node bench/store/run.mjs                      # 10 s per endpoint and backend, 16 clients
//   SECONDS=5 CONCURRENCY=8 node bench/store/run.mjs
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StagecastProcess } from '../../tests/integration/lib/server.mjs';
import { register, verifiedArtist, createStream } from '../../tests/integration/lib/fixtures.mjs';
import { member } from '../../tests/integration/lib/chat_client.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const SECONDS = Number(process.env.SECONDS ?? 10);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);
const STREAMS = Number(process.env.STREAMS ?? 60);
const MESSAGES = Number(process.env.MESSAGES ?? 300);
// Extra libpq URI parameters for the PostgreSQL run, e.g. PG_PARAMS='options=-c%20plan_cache_mode%3Dforce_generic_plan'.
const PG_PARAMS = process.env.PG_PARAMS ?? '';
// Server flags for both runs, e.g. EXTRA='--threads.workers=8 --store.read_connections=8'.
const EXTRA = (process.env.EXTRA ?? '').split(' ').filter(Boolean);
process.env.SC_TEST_BIN ??= process.env.BENCH_BIN ?? join(ROOT, 'build/src/app/stagecast');
const UNLIMITED = ['--realtime.events_per_second=100000', '--realtime.events_burst=100000',
  '--chat.rate_limit_messages=100000', '--log.level=warn'];

// CONCURRENCY clients on keep-alive connections, each asking again as soon as answered.
async function load(port, path, token) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const latencies = [];
  let errors = 0;
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  const once = () => new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const req = http.get({ host: '127.0.0.1', port, path, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode !== 200) errors += 1;
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        resolve();
      });
    });
    req.on('error', () => { errors += 1; resolve(); });
  });
  // One second of warm-up (connections, statement caches), not counted.
  const run = async (until, keep) => {
    const worker = async () => { while (Date.now() < until) { const n = latencies.length; await once(); if (!keep) latencies.length = n; } };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  };
  await run(Date.now() + 1000, false);
  latencies.length = 0;
  errors = 0;
  const t0 = Date.now();
  await run(t0 + SECONDS * 1000, true);
  const elapsed = (Date.now() - t0) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requestsPerSecond: Number((latencies.length / elapsed).toFixed(1)),
    p99Ms: Number(latencies[Math.floor(latencies.length * 0.99)].toFixed(2)),
    errors,
  };
}

async function measure(backend, args) {
  const server = new StagecastProcess({ args: [...UNLIMITED, ...EXTRA, ...args] });
  await server.start();
  try {
    const artist = await verifiedArtist(server, 'Bench Artist');
    const fan = await register(server, { displayName: 'Bench Fan' });
    let stream;
    for (let i = 0; i < STREAMS; i++) stream = await createStream(server, artist, { title: `Bench ${i}` });
    const c = await member(server, fan, stream.id);
    for (let i = 0; i < MESSAGES; i++) {
      c.send({ type: 'chat', text: `message ${i}`, requestId: `r${i}` });
      const ack = await c.next((e) => (e.type === 'ack' || e.type === 'error') && e.requestId === `r${i}`, 20000);
      if (ack.type !== 'ack') throw new Error(JSON.stringify(ack));
    }
    await c.close();
    const list = await load(server.httpPort, '/api/livestream?limit=20');
    const chat = await load(server.httpPort, `/api/livestream/${stream.id}/chat?limit=50`, fan.token);
    const out = { backend, list, chat };
    console.log(JSON.stringify(out));
    return out;
  } finally {
    await server.cleanup();
  }
}

const state = mkdtempSync(join(tmpdir(), 'bench-store-pg-'));
const script = join(ROOT, 'scripts/pg-test-cluster.sh');
execFileSync('bash', [script, 'start', state], { stdio: ['ignore', 'ignore', 'inherit'] });
try {
  const adminUrl = readFileSync(join(state, 'url'), 'utf8').trim();
  execFileSync('psql', [adminUrl, '-q', '-c', 'CREATE DATABASE bench'], { stdio: 'inherit' });
  const sqlite = await measure('sqlite', []);
  const postgres = await measure('postgres', [`--store.url=${adminUrl.replace(/\/postgres$/, '/bench')}${PG_PARAMS ? `?${PG_PARAMS}` : ''}`]);
  const ratio = (k, m) => Number((postgres[k][m] / sqlite[k][m]).toFixed(3));
  console.log(JSON.stringify({
    seconds: SECONDS, concurrency: CONCURRENCY, streams: STREAMS, messages: MESSAGES,
    streamList: { sqlite: sqlite.list, postgres: postgres.list, rpsRatioPgOverSqlite: ratio('list', 'requestsPerSecond'), p99RatioPgOverSqlite: ratio('list', 'p99Ms') },
    chatHistory: { sqlite: sqlite.chat, postgres: postgres.chat, rpsRatioPgOverSqlite: ratio('chat', 'requestsPerSecond'), p99RatioPgOverSqlite: ratio('chat', 'p99Ms') },
  }));
} finally {
  execFileSync('bash', [script, 'stop', state], { stdio: 'ignore' });
  rmSync(state, { recursive: true, force: true });
}
