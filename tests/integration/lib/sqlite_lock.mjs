// Another process takes SQLite's write lock: the sqlite3 command-line tool in an open exclusive
// transaction, held until release() (what a backup tool or an operator's session can do).
import { spawn } from 'node:child_process';

export function lockDatabase(path) {
  return new Promise((resolve, reject) => {
    const p = spawn('sqlite3', [path], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.on('error', reject);
    p.stdout.on('data', (d) => {
      out += d;
      if (out.includes('locked-now')) {
        resolve({
          proc: p,
          release: () => {
            p.stdin.end('COMMIT;\n.quit\n');
            return new Promise((r) => p.on('exit', r));
          },
        });
      }
    });
    p.stderr.on('data', (d) => { out += d; });
    p.stdin.write("PRAGMA busy_timeout=10000;\nBEGIN EXCLUSIVE;\nSELECT 'locked-now';\n");
  });
}
