// Notification fan-out under a live stream (issue 14's benchmark): 10,000 subscribers of one
// artist, each with an email (npm smtp-server on loopback, STARTTLS off: the TLS path is tested
// by integration.notifications_email) and a Web Push subscription (the push service imitation of
// tests/integration/lib/push_service.mjs). In the same run another artist's stream is live,
// watched (10 LL-HLS blocking-reload clients) and chatted (a sender and 50 WebSocket viewers).
// Then --rounds times, alternately:
//
//   quiet     --seconds of chat and playlist measurement with nothing to notify (a second
//             publisher, of an artist without subscribers, runs meanwhile); as long as a paced
//             fan-out, so that both percentiles come from as many samples and as much time
//   fan-out   that publisher stops and the subscribed artist goes live with a new stream (a new
//             fan-out of N mails and N pushes): measured until every mail reached the SMTP
//             server and every push the push service
//
// Printed per round: the delivery times, chat delivery p50/p99 (sender and viewers share this
// process: performance.now(), fractions of a millisecond) and part latency (the time from a
// part's end on the stream's clock, PROGRAM-DATE-TIME + durations, to the blocking playlist
// reload that announces it) p50/p99 of both phases. Then the medians over the rounds of each
// figure and their ratio fan-out/quiet, and the same percentiles over all samples of each kind
// of phase pooled. One round's p99 of a few milliseconds moves by a millisecond from run to run;
// alternating the phases spreads slow moments of the shared machine over both. Goal: every
// round within 60 s, ratios <= 1.10.
//
// usage: node bench/notify/run.mjs [--subscribers 10000] [--rounds 3] [--seconds 40]
//          [--viewers 50] [--rate 20] [--part-clients 10] [--pace N (0: unpaced)]
//          [--receivers idle|nice|normal] [--bin build/src/app/stagecast]
//          [--encoders file|live] [--json out.json] [--timeline (epoch seconds of each phase's start and end)]
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

const argv = process.argv.slice(2);
const arg = (name, def) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : def; };
const N = Number(arg('subscribers', 10000));
const SECONDS = Number(arg('seconds', 40));
const ROUNDS = Number(arg('rounds', 3));
const VIEWERS = Number(arg('viewers', 50));
const RATE = Number(arg('rate', 20));
const PART_CLIENTS = Number(arg('part-clients', 10));
// The fan-out's pace (notify.email_per_second and push_per_second); the server's default unless
// given.
const PACE = arg('pace');
const TIMELINE = argv.includes('--timeline');
// The publishers stand for OBS on the artists' machines. The watched stream's encodes as the run
// goes (its part latency is measured from PROGRAM-DATE-TIME, which a file sent by copy would put
// ahead of the wall clock); by default the decoy and the notifying artist's stream send a file
// encoded once before the run (ffmpeg -c copy, almost no CPU), so that the two phases differ by
// the fan-out and not by an encoder's bursts; `--encoders live` encodes those two as well, as the
// figures before 2026-12-06 (session 8) did.
const ENCODERS = arg('encoders', 'file');
if (!['file', 'live'].includes(ENCODERS)) throw new Error(`--encoders file | live, not ${ENCODERS}`);
const ROOT = new URL('../../', import.meta.url).pathname;
process.env.SC_TEST_BIN = arg('bin', process.env.SC_TEST_BIN ?? join(ROOT, 'build/src/app/stagecast'));

const lib = join(ROOT, 'tests/integration/lib');
const { startServer } = await import(join(lib, 'server.mjs'));
const { verifiedArtist, createStream } = await import(join(lib, 'fixtures.mjs'));
const { liveStream } = await import(join(lib, 'live_stream.mjs'));
const { encodeSource, publish, waitFor } = await import(join(lib, 'media.mjs'));
const { ChatClient } = await import(join(lib, 'chat_client.mjs'));
const { seedAudience, sinkArgs } = await import(join(lib, 'notify_load.mjs'));

const pct = (xs, p) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
// The middle value (the mean of the two middle ones for an even count).
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// Chat: one sender at RATE msg/s, VIEWERS receivers; the latency of each delivery.
async function chatLoad(server, streamId, senderToken) {
  const viewers = [];
  for (let i = 0; i < VIEWERS; i++) {
    const c = await ChatClient.connect(server);
    await c.join(streamId);
    viewers.push(c);
  }
  const sender = await ChatClient.connect(server);
  await sender.auth(senderToken);
  await sender.join(streamId);
  let samples = [];
  let times = [];  // performance.now() of each sample: where in a phase the slow ones fall
  for (const v of viewers) {
    v.ws.on('message', (data) => {
      const now = performance.now();
      const e = JSON.parse(data.toString('utf8'));
      for (const x of e.type === 'batch' ? e.events : [e]) {
        const m = x.type === 'chat' && /^bench ([\d.]+)$/.exec(x.message?.text ?? '');
        if (m) { samples.push(now - Number(m[1])); times.push(now); }
      }
    });
  }
  let n = 0;
  const timer = setInterval(() => { sender.send({ type: 'chat', text: `bench ${performance.now().toFixed(3)}`, requestId: `b${n++}` }); }, 1000 / RATE);
  return {
    // The samples with their arrival times (performance.now()), from the last take on.
    takeTimed() { const s = { samples, times }; samples = []; times = []; return s; },
    take() { return this.takeTimed().samples; },
    close() { clearInterval(timer); for (const c of [...viewers, sender]) c.ws.close(); },
  };
}

// LL-HLS: follows the media playlist with blocking reloads and measures, for each new part,
// arrival - (its segment's PROGRAM-DATE-TIME + the durations of the parts up to its end).
// `clients` followers, each on its own blocking reloads: more samples for the p99 (a phase
// announces about 4 parts a second). The arrival time has sub-millisecond resolution.
async function partLoad(server, streamId, clients) {
  const loads = [];
  for (let i = 0; i < clients; i++) loads.push(await partFollower(server, streamId));
  return {
    take() { return loads.flatMap((l) => l.take()); },
    async close() { await Promise.all(loads.map((l) => l.close())); },
  };
}

async function partFollower(server, streamId) {
  const master = await (await fetch(`${server.url}/hls/${streamId}/master.m3u8`)).text();
  const variant = master.split('\n').find((l) => l && !l.startsWith('#'));
  const base = new URL(variant.trim(), `${server.url}/hls/${streamId}/master.m3u8`);
  let samples = [];
  let stop = false;
  let msn = null;
  let part = null;
  const seen = new Set();
  const loop = (async () => {
    while (!stop) {
      const u = new URL(base);
      if (msn !== null) { u.searchParams.set('_HLS_msn', msn); u.searchParams.set('_HLS_part', part); }
      let text;
      try { text = await (await fetch(u)).text(); } catch { await sleep(100); continue; }
      const now = performance.timeOrigin + performance.now();
      let seq = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1] ?? 0);
      let pdt = null;
      let offset = 0;
      let partIndex = 0;
      let last = null;
      for (const line of text.split('\n')) {
        if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) { pdt = Date.parse(line.slice(25)); offset = 0; partIndex = 0; }
        else if (line.startsWith('#EXT-X-PART:')) {
          offset += Number(/DURATION=([\d.]+)/.exec(line)[1]) * 1000;
          const key = `${seq}.${partIndex}`;
          if (msn !== null && !seen.has(key) && pdt !== null) samples.push(now - (pdt + offset));
          seen.add(key);
          last = { seq, partIndex };
          partIndex += 1;
        } else if (line.startsWith('#EXTINF:')) {
          pdt = pdt !== null ? pdt + Number(/#EXTINF:([\d.]+)/.exec(line)[1]) * 1000 : null;
          seq += 1; offset = 0; partIndex = 0;
        }
      }
      if (!last) { await sleep(200); continue; }
      msn = last.seq; part = last.partIndex + 1;
    }
  })();
  return { take() { const s = samples; samples = []; return s; }, async close() { stop = true; await loop.catch(() => {}); } };
}

// The SMTP sink and the push service imitation run in a child process under SCHED_IDLE: they
// stand for a mail server and a push service on other machines, and take only the CPU left over
// (--receivers idle | nice (nice 10) | normal, to let them compete with the server).
const RECEIVERS = arg('receivers', 'idle');
const receiversCmd = { idle: ['chrt', '--idle', '0'], nice: ['nice', '-n', '10'], normal: [] }[RECEIVERS];
if (!receiversCmd) throw new Error(`--receivers idle | nice | normal, not ${RECEIVERS}`);
const work = mkdtempSync(join(tmpdir(), 'bench-notify-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const publishing = ENCODERS === 'file'
  ? { source: encodeSource(join(work, 'source.flv'), { seconds: 60, size: '320x180', gop: 30 }) } : {};
const receivers = spawn(receiversCmd[0] ?? process.execPath, [...receiversCmd.slice(1), ...(receiversCmd.length ? [process.execPath] : []),
  new URL('./receivers.mjs', import.meta.url).pathname], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const ports = await new Promise((resolve) => receivers.once('message', resolve));
const push = { endpoint: (id) => `${ports.pushOrigin}/push/${id}` };
const counts = () => new Promise((resolve) => { receivers.once('message', resolve); receivers.send('counts'); });
const server = await startServer({ args: [...sinkArgs(ports.smtpPort), '--log.level=warn', '--http.access_log=false',
  '--chat.rate_limit_messages=1000000000', '--realtime.events_per_second=1000000', '--realtime.events_burst=1000000',
  ...(PACE !== undefined ? [`--notify.email_per_second=${PACE}`, `--notify.push_per_second=${PACE}`] : [])] });
console.log(`publishers: the watched stream encoding live; decoy and notifying artist ${ENCODERS === 'file' ? 'sending a file encoded beforehand, by copy' : 'encoding live'}`);
console.log(`fan-out pace: ${PACE ?? 'the server default'} sends a second per channel (notify.email_per_second, push_per_second)`);
try {
  const watched = await verifiedArtist(server, 'Watched Artist');
  const notifying = await verifiedArtist(server, 'Popular Artist');
  const t0 = Date.now();
  await seedAudience(server, notifying.id, N, push, { concurrency: 32 });
  console.log(`seeded ${N} subscribers (user, subscription, push subscription) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const live = await liveStream(server, watched, { title: 'Watched and chatted' });
  // A second publisher in the quiet phases too (an artist nobody subscribes to): going live in
  // a fan-out phase adds an encoder, and the two phases must differ by the fan-out only.
  const decoyArtist = await verifiedArtist(server, 'Decoy Artist');
  let decoy = await liveStream(server, decoyArtist, { title: 'Decoy' }, publishing);
  await sleep(4000);  // the first segments and parts
  const chat = await chatLoad(server, live.id, watched.token);
  const parts = await partLoad(server, live.id, PART_CLIENTS);
  await sleep(3000);
  chat.take(); parts.take();

  const rounds = [];
  let last = await counts();
  for (let round = 1; round <= ROUNDS; round++) {
    const quietStart = performance.now();
    await sleep(SECONDS * 1000);
    const quietTimed = chat.takeTimed();
    const quiet = { chat: quietTimed.samples, parts: parts.take() };

    const base = last;
    const stream = await createStream(server, notifying, { title: `Ten thousand fans, round ${round}` });
    await decoy.stop();
    const goLive = Date.now();
    const goLiveAt = performance.now();
    if (TIMELINE) console.log(`  timeline: quiet ${((performance.timeOrigin + quietStart) / 1000).toFixed(1)}, go-live ${(goLive / 1000).toFixed(1)}`);
    const pub = publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 600, size: '320x180', gop: 30, ...publishing });
    let mailsDone = null;
    let pushesDone = null;
    while (mailsDone === null || pushesDone === null) {
      await sleep(100);
      last = await counts();
      if (mailsDone === null && last.mails - base.mails >= N) mailsDone = Date.now() - goLive;
      if (pushesDone === null && last.pushes - base.pushes >= N) pushesDone = Date.now() - goLive;
      if (Date.now() - goLive > 300000) throw new Error(`timed out: ${JSON.stringify(last)}`);
    }
    if (TIMELINE) console.log(`  timeline: fan-out done ${(Date.now() / 1000).toFixed(1)}`);
    const fanoutTimed = chat.takeTimed();
    const fanout = { chat: fanoutTimed.samples, parts: parts.take() };
    pub.proc.kill('SIGKILL');
    await pub.done;
    await server.api('POST', `/api/livestream/${stream.id}/end`, { token: notifying.token });
    const r = {
      round, mailsSeconds: mailsDone / 1000, pushesSeconds: pushesDone / 1000,
      samples: { quiet, fanout },
      chatP50: [pct(quiet.chat, 50), pct(fanout.chat, 50)], chatP99: [pct(quiet.chat, 99), pct(fanout.chat, 99)],
      partP50: [pct(quiet.parts, 50), pct(fanout.parts, 50)], partP99: [pct(quiet.parts, 99), pct(fanout.parts, 99)],
    };
    rounds.push(r);
    // Where the slow chat samples fall: those above the quiet phase's p99, counted per 5 s from
    // each phase's start (a burst at the go-live shows as a tall first bucket).
    const slow = (timed, start) => {
      const b = [];
      timed.samples.forEach((v, i) => {
        if (v <= r.chatP99[0]) return;
        const k = Math.floor((timed.times[i] - start) / 5000);
        b[k] = (b[k] ?? 0) + 1;
      });
      return Array.from(b, (x) => x ?? 0).join(' ');
    };
    console.log(`  chat samples above the quiet p99, per 5 s: quiet [${slow(quietTimed, quietStart)}], ` +
      `fan-out [${slow(fanoutTimed, goLiveAt)}]`);
    const f = ([q, o]) => `${q.toFixed(1)} / ${o.toFixed(1)}`;
    console.log(`round ${round}: mails ${r.mailsSeconds.toFixed(1)} s, pushes ${r.pushesSeconds.toFixed(1)} s; ` +
      `quiet / fan-out ms: chat p50 ${f(r.chatP50)}, p99 ${f(r.chatP99)}; part p50 ${f(r.partP50)}, p99 ${f(r.partP99)} ` +
      `(samples chat ${quiet.chat.length}/${fanout.chat.length}, parts ${quiet.parts.length}/${fanout.parts.length})`);
    if (round < ROUNDS) {
      decoy = await liveStream(server, decoyArtist, { title: `Decoy ${round + 1}` }, publishing);
      await sleep(2000);
      chat.take(); parts.take();  // the switch itself is in neither phase
    }
  }
  chat.close();
  await parts.close();
  await live.stop();

  const row = (name, key) => {
    // Medians over the rounds of each phase's percentile, and the ratio of the medians. Part
    // latency can be near 0 (a part is announced as it ends): the difference says more there.
    const q = median(rounds.map((r) => r[key][0]));
    const f = median(rounds.map((r) => r[key][1]));
    const r = { quiet: q, fanout: f, ratio: q > 0 ? f / q : null, diff: f - q, perRound: rounds.map((x) => x[key]) };
    console.log(`${name.padEnd(22)} median quiet ${q.toFixed(1).padStart(6)} ms   fan-out ${f.toFixed(1).padStart(6)} ms   ` +
      `difference ${(f - q >= 0 ? '+' : '') + (f - q).toFixed(1)} ms   ratio ${q > 0 ? (f / q).toFixed(2) : 'n/a'}`);
    return r;
  };
  const pooled = (name, kind, p) => {
    const q = pct(rounds.flatMap((r) => r.samples.quiet[kind]), p);
    const f = pct(rounds.flatMap((r) => r.samples.fanout[kind]), p);
    console.log(`${name.padEnd(22)} pooled quiet ${q.toFixed(1).padStart(6)} ms   fan-out ${f.toFixed(1).padStart(6)} ms   ` +
      `difference ${(f - q >= 0 ? '+' : '') + (f - q).toFixed(1)} ms   ratio ${q > 0 ? (f / q).toFixed(2) : 'n/a'}`);
    return { quiet: q, fanout: f, ratio: q > 0 ? f / q : null };
  };
  const mails = rounds.map((r) => r.mailsSeconds);
  const pushes = rounds.map((r) => r.pushesSeconds);
  console.log(`\n${N} subscribers x ${ROUNDS} rounds: all mails in ${mails.map((x) => x.toFixed(1)).join(', ')} s ` +
    `(median ${median(mails).toFixed(1)}; ${last.connections} SMTP connections in all), all pushes in ` +
    `${pushes.map((x) => x.toFixed(1)).join(', ')} s (median ${median(pushes).toFixed(1)}), from each go-live`);
  console.log(`mails received ${last.mails}, pushes accepted ${last.pushes}`);
  const result = {
    subscribers: N, rounds: ROUNDS, quietSeconds: SECONDS, mailsSeconds: mails, pushesSeconds: pushes,
    smtpConnections: last.connections,
    chatP50: row('chat delivery p50', 'chatP50'),
    chatP99: row('chat delivery p99', 'chatP99'),
    partP50: row('part latency p50', 'partP50'),
    partP99: row('part latency p99', 'partP99'),
    pooled: {
      chatP99: pooled('chat delivery p99', 'chat', 99),
      partP99: pooled('part latency p99', 'parts', 99),
    },
  };
  const json = arg('json');
  if (json) writeFileSync(json, JSON.stringify(result, null, 2));
} finally {
  await server.cleanup();
  receivers.send('stop');
}
