// A SIGKILL of the server in the middle of notifying 5,000 subscribers by email and Web Push,
// then a restart on the same data directory: every subscriber ends with exactly one mail
// (counted at an npm smtp-server) and exactly one push (counted at the push service imitation,
// every body decrypted with that subscriber's key). Email and push are sent by the delivery
// agent, a child process (docs/notifications.md): it sees the server die, finishes the sends
// under way and writes their outcomes, so nothing accepted is sent again. The rows it had claimed
// but not started are taken back at once by the restarted server's agent (its node id is kept in
// the data directory; each lease names the run that took it), which waits for the old agent to
// exit first; with the default timeouts a lease would hold them 90 s (push) and 270 s (mail).
//
// A SIGKILL of the agent itself (the second test) is what can still send a row twice: the server
// starts another agent, which sends the rows the dead one held, at most one copy per worker and
// channel, the same notification (same Message-ID; same push tag and Topic).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StagecastProcess, startServer } from './lib/server.mjs';
import { verifiedArtist } from './lib/fixtures.mjs';
import { liveStream } from './lib/live_stream.mjs';
import { waitFor } from './lib/media.mjs';
import { PushService } from './lib/push_service.mjs';
import { MailSink, pushTally, seedAudience, sinkArgs, tally } from './lib/notify_load.mjs';

const N = 5000;
const WORKERS = 4;
// Under sanitizers the catching up is slower; the bound stays below the push lease (and far
// below the mail lease of 270 s).
const SANITIZED = process.env.SC_TEST_SANITIZED === '1';

test(`SIGKILL of the server while notifying ${N} subscribers: after a restart each has exactly one mail and one push`, { timeout: 240000 }, async () => {
  const sink = await new MailSink().listen();
  const push = await new PushService().listen();
  // Default timeouts: the rows claimed at the kill are leased for (batch + 1) x timeout = 270 s
  // (mail, 30 s) and 90 s (push, 10 s).
  const PUSH_LEASE_MS = 90_000;
  const args = [...sinkArgs(sink.port), `--notify.email_workers=${WORKERS}`, `--notify.push_workers=${WORKERS}`];
  let server = await startServer({ args });
  const dataDir = server.dataDir;
  try {
    const artist = await verifiedArtist(server, 'Crash Artist');
    const t0 = Date.now();
    const fans = await seedAudience(server, artist.id, N, push);
    console.log(`seeded ${N} subscribers in ${Date.now() - t0} ms`);
    const live = await liveStream(server, artist, { title: 'Killed mid fan-out' });
    try {
      await waitFor(() => /notifications written/.test(server.log), { timeout: 30000, what: 'the fan-out written' });
      await Promise.all([sink.until((s) => s.mails.length >= N / 5, 60000), push.until((p) => p.requests.length >= N / 5, 60000)]);
      server.proc.kill('SIGKILL');
      await server.exited;
    } finally {
      await live.stop();
    }
    const atKill = { mails: sink.mails.length, pushes: push.requests.length };
    console.log(`killed after ${atKill.mails} mails and ${atKill.pushes} pushes`);
    assert.ok(atKill.mails < N && atKill.pushes < N, 'the kill came in the middle');
    // The killed server's agent finished what it was sending, then stopped.
    await waitFor(() => /delivery agent \d+: stopped/.test(server.log), { timeout: 30000, what: 'the old agent stopped' });
    assert.match(server.log, /delivery agent: the server is gone; finishing the sends under way/);

    const restartedAt = Date.now();
    server = await new StagecastProcess({ dataDir, args }).start();
    const emails = new Set(fans.map((f) => f.email));
    const everyMail = () => new Set(sink.mails.flatMap((m) => m.to)).size === N;
    const everyPush = () => new Set(push.requests.map((r) => r.id)).size === N;
    const bound = SANITIZED ? 85_000 : 45_000;
    await Promise.all([sink.until(everyMail, bound, 'every mail'), push.until(everyPush, bound, 'every push')]);
    const caughtUp = Date.now() - restartedAt;
    console.log(`every mail and push ${caughtUp} ms after the restart (the leases would have held them ${PUSH_LEASE_MS} ms and more)`);
    assert.ok(caughtUp < bound, `caught up in ${caughtUp} ms: the in-flight rows did not wait out their lease`);
    // The restarted run said what it took back: the rows the killed run held (claimed in batches
    // of 8 per worker), at least one per channel.
    const took = (channel) => Number(new RegExp(`${channel} outbox: took back (\\d+) rows leased by an earlier run`).exec(server.log)?.[1] ?? 0);
    assert.ok(took('email') >= 1 && took('email') <= 8 * WORKERS, `email rows taken back: ${took('email')}`);
    assert.ok(took('push') >= 1 && took('push') <= 8 * WORKERS, `push rows taken back: ${took('push')}`);
    await new Promise((resolve) => setTimeout(resolve, 2000));  // nothing more comes

    const mails = tally(sink.mails.flatMap((m) => m.to.map((to) => [to, m.messageId])));
    assert.equal(mails.copies.size, N);
    for (const [to, ids] of mails.distinct) {
      assert.ok(emails.has(to), to);
      assert.equal(ids.size, 1, `${to}: one notification (Message-ID), got ${[...ids]}`);
    }
    const pushes = pushTally(push.requests, fans);
    assert.equal(pushes.copies.size, N);
    for (const [id, tags] of pushes.distinct) assert.equal(tags.size, 1, `${id}: one notification`);
    const extraMails = sink.mails.length - N;
    const extraPushes = push.requests.length - N;
    console.log(`copies sent again after the kill: ${extraMails} mails, ${extraPushes} pushes`);
    assert.equal(extraMails, 0, 'no mail sent twice');
    assert.equal(extraPushes, 0, 'no push sent twice');
    let metrics = '';
    await waitFor(async () => {
      metrics = await (await fetch(`${server.url}/metrics`)).text();
      return /stagecast_notify_outbox_rows\{channel="email",status="sent"\} 5000\n/.test(metrics);
    }, { timeout: 10000, what: 'the outbox gauges' }).catch((e) => { throw new Error(`${e.message}\n${metrics.split('\n').filter((l) => l.includes('notify')).join('\n')}`); });
    assert.match(metrics, /stagecast_notify_outbox_rows\{channel="push",status="sent"\} 5000\n/);
    assert.match(metrics, /stagecast_notify_outbox_rows\{channel="push",status="pending"\} 0\n/);
    assert.match(metrics, /stagecast_notify_outbox_rows\{channel="email",status="failed"\} 0\n/);
  } finally {
    server.ownsDataDir = true;
    await server.cleanup();
    await sink.close();
    await push.close();
  }
});

test('SIGKILL of the delivery agent: the server starts another; each subscriber gets their mail and push, copies only of rows in flight', { timeout: 120000 }, async () => {
  const M = 1000;
  const sink = await new MailSink().listen();
  const push = await new PushService().listen();
  const args = [...sinkArgs(sink.port), `--notify.email_workers=${WORKERS}`, `--notify.push_workers=${WORKERS}`];
  const server = await startServer({ args });
  try {
    const artist = await verifiedArtist(server, 'Agent Crash Artist');
    const fans = await seedAudience(server, artist.id, M, push);
    const first = Number(/delivery agent started \(pid (\d+)\)/.exec(server.log)?.[1]);
    assert.ok(first > 0, 'the agent was started');
    const live = await liveStream(server, artist, { title: 'Agent killed mid fan-out' });
    try {
      await Promise.all([sink.until((s) => s.mails.length >= M / 5, 60000), push.until((p) => p.requests.length >= M / 5, 60000)]);
      process.kill(first, 'SIGKILL');
      await waitFor(() => new RegExp(`delivery agent ${first} killed by signal 9; starting another`).test(server.log),
        { timeout: 10000, what: 'the server saw its agent die' });
      const atKill = { mails: sink.mails.length, pushes: push.requests.length };
      assert.ok(atKill.mails < M && atKill.pushes < M, `the kill came in the middle (${JSON.stringify(atKill)})`);
      const everyMail = () => new Set(sink.mails.flatMap((m) => m.to)).size === M;
      const everyPush = () => new Set(push.requests.map((r) => r.id)).size === M;
      await Promise.all([sink.until(everyMail, 60000, 'every mail'), push.until(everyPush, 60000, 'every push')]);
    } finally {
      await live.stop();
    }
    const second = [...server.log.matchAll(/delivery agent started \(pid (\d+)\)/g)].map((m) => Number(m[1]));
    assert.equal(second.length, 2, 'one more agent');
    assert.notEqual(second[1], first);
    await waitFor(async () => /stagecast_notify_delivery_agent_up 1\n/.test(await (await fetch(`${server.url}/metrics`)).text()),
      { timeout: 5000, what: 'the agent reported up again' });
    await new Promise((resolve) => setTimeout(resolve, 1000));  // nothing more comes
    const mails = tally(sink.mails.flatMap((m) => m.to.map((to) => [to, m.messageId])));
    assert.equal(mails.copies.size, M);
    for (const [to, ids] of mails.distinct) assert.equal(ids.size, 1, `${to}: one notification (Message-ID), got ${[...ids]}`);
    const pushes = pushTally(push.requests, fans);
    assert.equal(pushes.copies.size, M);
    for (const [id, tags] of pushes.distinct) assert.equal(tags.size, 1, `${id}: one notification`);
    const extraMails = sink.mails.length - M;
    const extraPushes = push.requests.length - M;
    console.log(`copies after the agent's kill: ${extraMails} mails, ${extraPushes} pushes (bound ${WORKERS} each)`);
    // Only a row whose answer was not yet written when the agent died: one per worker at most.
    assert.ok(extraMails <= WORKERS, `${extraMails} mails sent twice`);
    assert.ok(extraPushes <= WORKERS, `${extraPushes} pushes sent twice`);
  } finally {
    await server.cleanup();
    await sink.close();
    await push.close();
  }
});
