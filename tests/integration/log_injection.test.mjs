// Log injection: CR, LF, ESC and C1 controls taken from a request (here the path of a request,
// which the access log quotes) are escaped in every log line, so a request can neither forge a
// line nor drive an operator's terminal, and the JSON log format stays one valid JSON object per
// line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { waitFor } from './lib/media.mjs';

const evil = '/api/x%0d%0a2026-01-01T00:00:00.000%20info%20forged%1b[31m%c2%9bend';

for (const format of ['text', 'json']) {
  test(`${format} log: one escaped line for a request with %0d%0a, %1b and U+009B`, async () => {
    const server = await startServer({ args: [`--log.format=${format}`] });
    try {
      const r = await fetch(`${server.url}${evil}`);
      assert.equal(r.status, 404);
      const lines = await waitFor(() => {
        const l = server.log.split('\n').filter((x) => x.includes('forged'));
        return l.length > 0 && l;
      }, { what: 'the access log line' });
      assert.equal(lines.length, 1, JSON.stringify(lines));
      const line = lines[0];
      assert.ok(!line.startsWith('2026-01-01'), 'no forged line');
      for (const ch of line) assert.ok(ch.charCodeAt(0) >= 0x20 && !(ch.charCodeAt(0) >= 0x7f && ch.charCodeAt(0) <= 0x9f), `raw control character in ${JSON.stringify(line)}`);
      if (format === 'json') {
        for (const l of server.log.split('\n').filter((x) => x.trim())) JSON.parse(l);  // every line is JSON
        assert.match(JSON.parse(line).msg, /x\r\n2026-01-01T00:00:00.000 info forged\x1b\[31m\u009bend/);
      } else {
        assert.match(line, /GET \/api\/x\\r\\n2026-01-01T00:00:00\.000 info forged\\x1b\[31m\\u009bend 404/);
      }
    } finally {
      await server.cleanup();
    }
  });
}
