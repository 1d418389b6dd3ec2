// The receiving side of bench/notify in a process of its own (so that its work does not share
// an event loop with the chat and playlist clients being measured): the SMTP sink and the push
// service imitation. Tells its parent {smtpPort, pushOrigin}, then answers each 'counts' with
// {mails, pushes, connections, mailRecipients, pushIds} (distinct recipients and endpoints).
import { join } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;
const lib = join(ROOT, 'tests/integration/lib');
const { PushService } = await import(join(lib, 'push_service.mjs'));
const { MailSink } = await import(join(lib, 'notify_load.mjs'));

const sink = await new MailSink().listen();
const push = await new PushService().listen();
process.send({ smtpPort: sink.port, pushOrigin: push.origin });
// Distinct recipients and endpoints are kept as they arrive: the parent asks every 100 ms, and
// recounting every mail and push at each question made the receivers slower round by round.
const recipients = new Set();
const pushIds = new Set();
let mailsSeen = 0;
let pushesSeen = 0;
let accepted = 0;
process.on('message', async (m) => {
  if (m === 'counts') {
    for (; mailsSeen < sink.mails.length; mailsSeen++) for (const to of sink.mails[mailsSeen].to) recipients.add(to);
    for (; pushesSeen < push.requests.length; pushesSeen++) {
      const r = push.requests[pushesSeen];
      pushIds.add(r.id);
      if (r.status === 201) accepted += 1;
    }
    process.send({
      mails: sink.mails.length, pushes: accepted, connections: sink.connections,
      mailRecipients: recipients.size, pushIds: pushIds.size,
    });
  } else if (m === 'stop') {
    await sink.close();
    await push.close();
    process.exit(0);
  }
});
