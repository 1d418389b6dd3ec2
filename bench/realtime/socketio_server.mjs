// The peer: a Socket.IO v4 server doing the same room broadcast as Stagecast's chat, the way the
// original platform's realtime stack does it (io.to(room).emit). WebSocket transport only, no
// compression (Stagecast compresses nothing either), one Node process. With REDIS_URL set, one of
// several such processes sharing the room through @socket.io/redis-adapter (run_cluster.sh).
//   [REDIS_URL=redis://127.0.0.1:P] node socketio_server.mjs <port> [ports-file]
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Server } from 'socket.io';

const port = Number(process.argv[2] ?? 0);
const http = createServer();
const io = new Server(http, {
  transports: ['websocket'],
  perMessageDeflate: false,
  maxHttpBufferSize: 8 * 1024,
  serveClient: false,
});

if (process.env.REDIS_URL) {
  const { createClient } = await import('redis');
  const { createAdapter } = await import('@socket.io/redis-adapter');
  const pub = createClient({ url: process.env.REDIS_URL });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  io.adapter(createAdapter(pub, sub));
}

const streamId = randomBytes(16).toString('hex');
io.on('connection', (socket) => {
  let room = null;
  const userId = randomBytes(16).toString('hex');
  socket.on('join', (name) => {
    room = String(name);
    socket.join(room);
    socket.emit('joined', { streamId, viewers: io.sockets.adapter.rooms.get(room)?.size ?? 0 });
  });
  socket.on('chat', (text) => {
    if (!room || typeof text !== 'string' || text.length > 500) return;
    // The same fields as Stagecast's chat event, serialised once by Socket.IO for the room.
    io.to(room).emit('chat', {
      id: randomBytes(16).toString('hex'),
      streamId,
      userId,
      displayName: 'Sender',
      text,
      kind: 'TEXT',
      createdAt: Date.now(),
    });
  });
});

http.listen(port, '127.0.0.1', () => {
  const bound = http.address().port;
  if (process.argv[3]) writeFileSync(process.argv[3], JSON.stringify({ port: bound }));
  console.error(`socket.io listening on 127.0.0.1:${bound}`);
});
process.on('SIGTERM', () => process.exit(0));
