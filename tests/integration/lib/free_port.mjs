// A TCP port free on 127.0.0.1 now, for a server that must know its port before it starts
// (a node's public URL, a Redis restarted on the same port).
import { createServer } from 'node:net';

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}
