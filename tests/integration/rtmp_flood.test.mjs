// RTMP ingest cannot be locked out: 1,100 half-open handshakes (connect, send C0 and a few bytes
// of C1, then nothing) from one address, and again from many loopback addresses, and a real
// ffmpeg publisher still goes live within 3 s. Refusals and sheds are counted in /metrics.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer } from './lib/server.mjs';
import { verifiedArtist, createStream } from './lib/fixtures.mjs';
import { publish, waitFor } from './lib/media.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.cleanup(); });

// Opens `count` connections from the given source addresses (round robin), each sending C0 and
// 100 bytes of C1 and then holding still. Resolves once all were attempted; keeps them open.
async function halfOpen(count, addresses) {
  const sockets = [];
  let refused = 0;
  await Promise.all(Array.from({ length: count }, (_, i) => new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port: server.rtmpPort, localAddress: addresses[i % addresses.length] });
    s.on('connect', () => { s.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(100)])); sockets.push(s); resolve(); });
    s.on('error', () => { refused++; resolve(); });
    s.on('close', () => { refused++; });
  })));
  return { sockets, refused: () => refused, close: () => sockets.forEach((s) => s.destroy()) };
}

async function metric(name) {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  let total = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\d+)$`, 'gm'))) total += Number(m[2]);
  return total;
}

async function goesLive(label) {
  const artist = await verifiedArtist(server);
  const stream = await createStream(server, artist, { title: label });
  const started = Date.now();
  const pub = publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 6 });
  try {
    await waitFor(async () => (await server.api('GET', `/api/livestream/${stream.id}`)).body.status === 'LIVE', { timeout: 3000, interval: 50, what: `${label}: LIVE within 3 s` });
    return Date.now() - started;
  } finally {
    pub.proc.kill('SIGINT');
    await pub.done;
  }
}

test('1,100 half-open handshakes from one address: a publisher still goes live within 3 s', async () => {
  const before = await metric('stagecast_rtmp_admission_refused_total');
  const flood = await halfOpen(1100, ['127.0.0.2']);
  try {
    const ms = await goesLive('one address');
    const refusedByServer = (await metric('stagecast_rtmp_admission_refused_total')) - before;
    console.log(`one address: live after ${ms} ms; ${refusedByServer} connections refused or shed by admission`);
    assert.ok(refusedByServer >= 1000, `refusals counted: ${refusedByServer}`);
  } finally {
    flood.close();
  }
});

test('1,100 half-open handshakes from 220 addresses: the oldest are shed, a publisher goes live within 3 s', async () => {
  const addresses = Array.from({ length: 220 }, (_, i) => `127.0.${3 + Math.floor(i / 200)}.${1 + (i % 200)}`);
  const before = await metric('stagecast_rtmp_admission_refused_total');
  const flood = await halfOpen(1100, addresses);
  // The flood goes on while the publisher connects: what the server closes is opened again.
  let reopening = true;
  const again = (async () => {
    while (reopening) {
      const more = await halfOpen(50, addresses);
      flood.sockets.push(...more.sockets);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  try {
    const ms = await goesLive('many addresses');
    const counted = (await metric('stagecast_rtmp_admission_refused_total')) - before;
    console.log(`220 addresses: live after ${ms} ms; ${counted} connections refused or shed by admission`);
    assert.ok(counted >= 800, `sheds counted: ${counted}`);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(text, /stagecast_rtmp_admission_refused_total\{reason="shed_oldest_pending"\} [1-9]/);
  } finally {
    reopening = false;
    await again;
    flood.close();
  }
});
