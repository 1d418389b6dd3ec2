// What an acknowledged chat message survives (docs/realtime.md, "Durability"): a burst of 300
// messages, every ack awaited, then SIGKILL at once; the server restarted on the same data
// directory must hold what the documentation promises. With realtime.chat_ack=stored (the
// default) that is every acknowledged message; with =delivered, an unbroken prefix of what was
// sent (the write-behind queue writes in order), the rest lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StagecastProcess } from './lib/server.mjs';
import { register, verifiedArtist, createStream } from './lib/fixtures.mjs';
import { member } from './lib/chat_client.mjs';

const BURST = 300;
// The burst must not meet the flood guard or the chat rate limit: this test is about storage.
// The burst's 300 messages come back to the same socket as 300 acks and 300 chat events: past the
// default send queue of 256 messages a slow moment closes the socket as a slow reader (1008), the
// bound under test elsewhere (SlowReaderTest), not here.
const UNLIMITED = ['--realtime.events_per_second=100000', '--realtime.events_burst=100000',
  '--chat.rate_limit_messages=100000', '--realtime.send_queue_messages=4096',
  '--realtime.send_queue_bytes=16777216'];

async function burstThenKill(ack) {
  const dataDir = mkdtempSync(join(tmpdir(), 'stagecast-durability-'));
  const first = new StagecastProcess({ dataDir, args: [...UNLIMITED, `--realtime.chat_ack=${ack}`] });
  let second;
  try {
    await first.start();
    const artist = await verifiedArtist(first);
    const fan = await register(first, { displayName: 'Burst Fan' });
    const stream = await createStream(first, artist);
    const c = await member(first, fan, stream.id);

    const started = Date.now();
    for (let i = 0; i < BURST; i++) c.send({ type: 'chat', text: `burst ${i}`, requestId: `b${i}` });
    const acked = [];
    for (let i = 0; i < BURST; i++) {
      const reply = await c.next((e) => (e.type === 'ack' || e.type === 'error') && e.requestId === `b${i}`, 20000);
      assert.equal(reply.type, 'ack', JSON.stringify(reply));
      acked.push(reply.messageId);
    }
    const ackMs = Date.now() - started;
    first.proc.kill('SIGKILL');
    const { signal } = await first.exited;
    assert.equal(signal, 'SIGKILL');

    second = new StagecastProcess({ dataDir, args: UNLIMITED });
    await second.start();
    const stored = [];
    let before;
    for (;;) {
      const q = before ? `?limit=100&before=${before}` : '?limit=100';
      const page = await second.api('GET', `/api/livestream/${stream.id}/chat${q}`, { token: fan.token });
      assert.equal(page.status, 200, page.text);
      stored.unshift(...page.body.items);
      if (page.body.items.length < 100) break;
      before = page.body.items[0].seq;
    }
    return { acked, stored, ackMs };
  } finally {
    if (first.proc?.exitCode === null && first.proc.signalCode === null) first.proc.kill('SIGKILL');
    await second?.stop().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  }
}

test('chat_ack=stored: every acknowledged message of a 300-message burst survives SIGKILL', async () => {
  const { acked, stored, ackMs } = await burstThenKill('stored');
  assert.equal(stored.length, BURST, `stored ${stored.length} of ${BURST} acknowledged messages`);
  assert.deepEqual(stored.map((m) => m.id), acked);
  assert.deepEqual(stored.map((m) => m.text), acked.map((_, i) => `burst ${i}`));
  console.log(`stored acks: ${BURST} messages acknowledged in ${ackMs} ms, ${stored.length} survived SIGKILL`);
});

test('chat_ack=delivered: what survives SIGKILL is an unbroken prefix of the burst', async () => {
  const { acked, stored, ackMs } = await burstThenKill('delivered');
  assert.ok(stored.length <= BURST);
  // In order, no holes: message k is stored only if every message before it is.
  assert.deepEqual(stored.map((m) => m.id), acked.slice(0, stored.length));
  console.log(`delivered acks: ${BURST} messages acknowledged in ${ackMs} ms, ${stored.length} survived SIGKILL (lost ${BURST - stored.length})`);
});
