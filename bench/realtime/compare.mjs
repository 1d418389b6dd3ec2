// Prints the two servers' figures side by side, with the ratios (Stagecast / Socket.IO).
//   node compare.mjs results/<run>/stagecast.jsonl results/<run>/socketio.jsonl
import { readFileSync } from 'node:fs';

function load(file) {
  const out = { steps: [], meta: {} };
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    const j = JSON.parse(line);
    if (j.step) out.steps.push(j);
    else Object.assign(out.meta, j);
  }
  return out;
}

const [sc, io] = process.argv.slice(2).map(load);
const fmt = (v, d = 0) => (v === undefined || Number.isNaN(v) ? '-' : Number(v).toFixed(d));
const ratio = (a, b) => (b > 0 ? (a / b).toFixed(2) + 'x' : '-');
const perConn = (m) => (m.rss_after_kb - m.rss_before_kb) * 1024 / m.joined;

console.log(`\nRealtime fan-out: ${sc.meta.joined - 1} receivers + 1 sender in one room, loopback`);
console.log(`Stagecast: ${sc.meta.note ?? ''}   Socket.IO: ${io.meta.note ?? ''}\n`);
const head = ['rate msg/s', 'server', 'deliveries/s', 'delivered', 'p50 ms', 'p99 ms', 'max ms', 'cpu s', 'gen cpu s', 'dropped'];
console.log(head.map((h) => h.padStart(13)).join(''));
for (let i = 0; i < Math.max(sc.steps.length, io.steps.length); i++) {
  for (const [name, r] of [['stagecast', sc], ['socket.io', io]]) {
    const s = r.steps[i];
    if (!s) continue;
    console.log([fmt(s.rate), name, fmt(s.deliveries_per_s), (100 * s.delivered_ratio).toFixed(1) + '%',
      fmt(s.p50_ms, 2), fmt(s.p99_ms, 2), fmt(s.max_ms, 1), fmt(s.cpu_s, 2), fmt(s.gen_cpu_s, 2), fmt(s.disconnected)]
      .map((c) => String(c).padStart(13)).join(''));
  }
  const a = sc.steps[i];
  const b = io.steps[i];
  if (a && b) {
    console.log(`${''.padStart(13)}${'ratio'.padStart(13)}${ratio(a.deliveries_per_s, b.deliveries_per_s).padStart(13)}` +
      `${''.padStart(13)}${ratio(b.p50_ms, a.p50_ms).padStart(13)}${ratio(b.p99_ms, a.p99_ms).padStart(13)}` +
      `   (delivery rate Stagecast/Socket.IO; latency Socket.IO/Stagecast, >1 = Stagecast faster)`);
  }
}
const best = (r) => Math.max(...r.steps.map((s) => s.deliveries_per_s));
console.log(`\nhighest delivery rate reached: Stagecast ${fmt(best(sc))}/s, Socket.IO ${fmt(best(io))}/s -> ${ratio(best(sc), best(io))}`);
console.log(`memory per idle connection (RSS delta / connections): Stagecast ${fmt(perConn(sc.meta))} B, ` +
  `Socket.IO ${fmt(perConn(io.meta))} B -> Socket.IO uses ${ratio(perConn(io.meta), perConn(sc.meta))} as much`);
console.log(`connect+join of all clients: Stagecast ${fmt(sc.meta.connect_s, 1)} s, Socket.IO ${fmt(io.meta.connect_s, 1)} s`);
