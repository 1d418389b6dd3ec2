// Two Stagecast nodes sharing one real PostgreSQL outbox (and Redis, as docs/operations.md's
// Multi-node has it), notifying a few thousand subscribers by email and Web Push; one node is
// SIGKILLed in the middle of the fan-out's delivery (docs/notifications.md, Delivery):
//  * the surviving node keeps delivering: the rows it held at the kill are sent, and mails and
//    pushes keep arriving from it;
//  * it does not take the dead node's leased rows before their lease ends: they stay PENDING and
//    leased by the dead node in the database, and no mail or push of theirs leaves the survivor
//    before the lease's end (the lease is (batch + 1) x notify.smtp_timeout_ms /
//    push_timeout_ms, cut to 22.5 s here instead of 270 s and 90 s);
//  * once the leases end it sends them: every subscriber ends with their mail (counted at each
//    node's own npm smtp-server, so the sender is known) and their push (the push service
//    imitation, every body decrypted with that subscriber's key), one notification each (one
//    Message-ID; one tag and Topic), and nothing twice: the dead node's delivery agent finishes
//    the sends it had under way and records them (docs/notifications.md), as in notify_crash.
// The mail servers and the push service answer after 20 ms each, so that the delivery lasts a
// few seconds and the kill finds both nodes sending.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startRedis } from './lib/redis.mjs';
import { Postgres } from './lib/postgres.mjs';
import { Cluster } from './lib/cluster.mjs';
import { verifiedArtist } from './lib/fixtures.mjs';
import { liveStream } from './lib/live_stream.mjs';
import { waitFor } from './lib/media.mjs';
import { PushService } from './lib/push_service.mjs';
import { MailSink, pushTally, seedAudience, sinkArgs, tally } from './lib/notify_load.mjs';

const N = 3000;
const WORKERS = 4;
const TIMEOUT_MS = 2500;
const LEASE_MS = (8 + 1) * TIMEOUT_MS;  // a claim's batch of 8, plus one
const DB = 'notify_multinode';
// Under sanitizers the survivor sends more slowly: more time after the last lease ends.
const SANITIZED = process.env.SC_TEST_SANITIZED === '1';

let redis; let postgres; let cluster;
before(async () => {
  redis = await startRedis();
  postgres = new Postgres().start();
  cluster = new Cluster({ redisUrl: redis.url, storeUrl: await postgres.database(DB) });
});
after(async () => {
  await cluster?.cleanup();
  await redis?.cleanup();
  postgres?.stop();
});

const leased = (node) => postgres.query(DB,
  "SELECT id, user_id, channel, next_attempt_at::bigint AS due FROM notifications WHERE status = 'PENDING' AND lease_node = $1 AND channel <> 'IN_APP'",
  [node]);

test(`SIGKILL of one of two nodes while notifying ${N} subscribers: the other keeps sending, waits out the dead node's leases, then everyone has one mail and one push`, { timeout: 240000 }, async (t) => {
  const sinkA = await new MailSink({ answerDelayMs: 20 }).listen();
  const sinkB = await new MailSink({ answerDelayMs: 20 }).listen();
  const push = await new PushService().listen();
  push.answerDelayMs = 20;
  const nodeArgs = (sink) => ({
    args: [...sinkArgs(sink.port), `--notify.email_workers=${WORKERS}`, `--notify.push_workers=${WORKERS}`,
      `--notify.smtp_timeout_ms=${TIMEOUT_MS}`, `--notify.push_timeout_ms=${TIMEOUT_MS}`,
      // One VAPID key for the platform: a browser subscribed through one node gets pushes from any.
      `--notify.push_vapid_key_file=${join(cluster.dir, 'vapid.pem')}`],
  });
  try {
    const A = await cluster.start('node-a', nodeArgs(sinkA));
    const B = await cluster.start('node-b', nodeArgs(sinkB));
    const artist = await verifiedArtist(A, 'Two Node Artist');
    const t0 = Date.now();
    const fans = await seedAudience(A, artist.id, N, push);
    t.diagnostic(`seeded ${N} subscribers in ${Date.now() - t0} ms`);

    const live = await liveStream(A, artist, { title: 'Killed on one node' });
    let killedAt;
    let atKill;
    let heldByA;
    let heldByB;
    try {
      await waitFor(() => /notifications written/.test(A.log), { timeout: 30000, what: 'the fan-out written on A' });
      // Both nodes sending (B finds the rows at its next look, within 5 s).
      await waitFor(() => sinkA.mails.length >= N / 10 && sinkB.mails.length >= N / 10 && push.requests.length >= N / 4,
        { timeout: 60000, interval: 20, what: 'both nodes sending' });
      A.proc.kill('SIGKILL');
      await A.exited;
      killedAt = Date.now();
      atKill = { a: sinkA.mails.length, b: sinkB.mails.length, pushes: push.requests.length };
      // A's delivery agent finishes what it was sending, then stops: the rows left leased by
      // node-a are those it had claimed and not started.
      await waitFor(() => /delivery agent \d+: stopped/.test(A.log), { timeout: 10000, what: "A's agent stopped" });
      [heldByA, heldByB] = await Promise.all([leased('node-a'), leased('node-b')]);
    } finally {
      await live.stop();
    }
    t.diagnostic(`killed A after ${atKill.a} mails from A, ${atKill.b} from B, ${atKill.pushes} pushes; A held ${heldByA.length} rows, B ${heldByB.length}`);
    assert.ok(atKill.a + atKill.b < N && atKill.pushes < N, 'the kill came in the middle');
    const heldEmail = heldByA.filter((r) => r.channel === 'EMAIL');
    const heldPush = heldByA.filter((r) => r.channel === 'PUSH');
    // Claimed and not started: a worker between two batches holds none, so a channel can be 0.
    assert.ok(heldEmail.length <= 8 * WORKERS, `A held ${heldEmail.length} email rows`);
    assert.ok(heldPush.length <= 8 * WORKERS, `A held ${heldPush.length} push rows`);
    assert.ok(heldByA.length >= 1, 'A held rows at the kill');
    const leaseEnd = new Map(heldByA.map((r) => [`${r.channel}:${r.user_id}`, Number(r.due)]));
    const firstEnd = Math.min(...leaseEnd.values());
    const lastEnd = Math.max(...leaseEnd.values());
    assert.ok(firstEnd > killedAt + 5000, `the dead node's leases end ${firstEnd - killedAt} ms after the kill`);

    // The survivor keeps sending its own: what it held at the kill is sent, long before A's
    // leases end, and more of the rest arrives from it meanwhile.
    const heldByBIds = heldByB.map((r) => r.id);
    await waitFor(async () => {
      const rows = await postgres.query(DB, "SELECT count(*)::int AS n FROM notifications WHERE id = ANY($1) AND status = 'SENT'", [heldByBIds]);
      return rows[0].n === heldByBIds.length;
    }, { timeout: Math.max(1000, firstEnd - Date.now() - 3000), what: "B's own claims sent" });
    await waitFor(() => sinkB.mails.length > atKill.b, { timeout: Math.max(1000, firstEnd - Date.now() - 2000), what: 'mails from B after the kill' });

    // Just before the first lease ends: A's rows are untouched, still leased by the dead node.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, firstEnd - 1500 - Date.now())));
    const still = await leased('node-a');
    assert.deepEqual(still.map((r) => r.id).sort(), heldByA.map((r) => r.id).sort(), "the dead node's rows wait out their lease");
    assert.ok(Date.now() < firstEnd, 'checked before the first lease ended');
    const rest = await postgres.query(DB, "SELECT count(*)::int AS n FROM notifications WHERE status = 'PENDING' AND channel <> 'IN_APP'");
    t.diagnostic(`${rest[0].n} rows pending ${firstEnd - Date.now()} ms before the first lease ends (A's: ${heldByA.length})`);

    // Then everyone is reached.
    const everyMail = () => new Set([...sinkA.mails, ...sinkB.mails].flatMap((m) => m.to)).size === N;
    const everyPush = () => new Set(push.requests.map((r) => r.id)).size === N;
    const bound = lastEnd + (SANITIZED ? 60000 : 20000) - Date.now();
    await Promise.all([sinkB.until(everyMail, bound, 'every mail'), push.until(everyPush, bound, 'every push')]);
    t.diagnostic(`every mail and push ${Date.now() - killedAt} ms after the kill (the last lease ended ${lastEnd - killedAt} ms after it)`);
    assert.doesNotMatch(B.log, /took back \d+ rows/, 'B never takes back rows by node id');
    await new Promise((resolve) => setTimeout(resolve, 2000));  // nothing more comes

    // Nothing of A's rows left the survivor before its lease ended.
    const byEmail = new Map(fans.map((f) => [f.email, f]));
    for (const m of sinkB.mails) {
      const end = leaseEnd.get(`EMAIL:${byEmail.get(m.to[0]).id}`);
      if (end !== undefined) assert.ok(m.at >= end, `a mail of A's sent by B ${end - m.at} ms before the lease ended`);
    }
    for (const r of push.requests) {
      const end = leaseEnd.get(`PUSH:${r.id}`);
      if (end !== undefined && r.at > killedAt) assert.ok(r.at >= end, `a push of A's sent by B ${end - r.at} ms before the lease ended`);
    }

    // One notification each, and no copies: what A was sending, its agent finished and recorded.
    const mails = tally([...sinkA.mails, ...sinkB.mails].flatMap((m) => m.to.map((to) => [to, m.messageId])));
    assert.equal(mails.copies.size, N);
    for (const [to, ids] of mails.distinct) {
      assert.ok(byEmail.has(to), to);
      assert.equal(ids.size, 1, `${to}: one notification (Message-ID), got ${[...ids]}`);
    }
    for (const [to, n] of mails.copies) {
      if (n > 1) assert.ok(leaseEnd.has(`EMAIL:${byEmail.get(to).id}`), `${to}: ${n} copies of a row A did not hold`);
    }
    const pushes = pushTally(push.requests, fans);
    assert.equal(pushes.copies.size, N);
    for (const [id, tags] of pushes.distinct) assert.equal(tags.size, 1, `${id}: one notification`);
    for (const [id, n] of pushes.copies) {
      if (n > 1) assert.ok(leaseEnd.has(`PUSH:${id}`), `${id}: ${n} copies of a row A did not hold`);
    }
    const extraMails = sinkA.mails.length + sinkB.mails.length - N;
    const extraPushes = push.requests.length - N;
    t.diagnostic(`copies: ${extraMails} mails, ${extraPushes} pushes; ${sinkB.mails.length} mails from B`);
    assert.equal(extraMails, 0, 'no mail sent twice');
    assert.equal(extraPushes, 0, 'no push sent twice');
    const status = await postgres.query(DB,
      "SELECT channel, status, count(*)::int AS n FROM notifications WHERE channel <> 'IN_APP' GROUP BY channel, status ORDER BY channel, status");
    assert.deepEqual(status, [{ channel: 'EMAIL', status: 'SENT', n: N }, { channel: 'PUSH', status: 'SENT', n: N }]);
  } finally {
    await sinkA.close();
    await sinkB.close();
    await push.close();
  }
});
