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
process.on('message', async (m) => {
  if (m === 'counts') {
    process.send({
      mails: sink.mails.length, pushes: push.accepted().length, connections: sink.connections,
      mailRecipients: new Set(sink.mails.flatMap((x) => x.to)).size, pushIds: new Set(push.requests.map((r) => r.id)).size,
    });
  } else if (m === 'stop') {
    await sink.close();
    await push.close();
    process.exit(0);
  }
});
