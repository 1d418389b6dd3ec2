// A real PostgreSQL server for a test (initdb + pg_ctl on 127.0.0.1 and a free port, as an
// unprivileged user when the tests run as root), started and stopped by the same script as the
// unit tests' cluster (scripts/pg-test-cluster.sh), and the npm `pg` client to look at what the
// server wrote. Several Stagecast nodes can share one database: database(name) gives its URL.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const SCRIPT = new URL('../../../scripts/pg-test-cluster.sh', import.meta.url).pathname;

export class Postgres {
  constructor() {
    this.state = mkdtempSync(join(tmpdir(), 'stagecast-pg-state-'));
  }

  // Starts the cluster; throws (with PostgreSQL's log) when it cannot.
  start() {
    execFileSync('bash', [SCRIPT, 'start', this.state], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.adminUrl = readFileSync(join(this.state, 'url'), 'utf8').trim();
    this.port = Number(new URL(this.adminUrl).port);
    return this;
  }

  // Creates an empty database and returns its postgres:// URL (what store.url takes).
  async database(name) {
    await this.query('postgres', `CREATE DATABASE ${name}`);
    return this.url(name);
  }

  url(name) {
    return this.adminUrl.replace(/\/postgres$/, `/${name}`);
  }

  // One query on database `name`; returns the rows.
  async query(name, sql, params = []) {
    const client = new pg.Client({ connectionString: this.url(name) });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows;
    } finally {
      await client.end();
    }
  }

  // An outage: the server stops (fast shutdown, sessions cut), its data kept; resume() starts it
  // again on the same port.
  pause() {
    execFileSync('bash', [SCRIPT, 'pause', this.state], { stdio: ['ignore', 'ignore', 'pipe'] });
  }

  resume() {
    execFileSync('bash', [SCRIPT, 'resume', this.state], { stdio: ['ignore', 'ignore', 'pipe'] });
  }

  stop() {
    execFileSync('bash', [SCRIPT, 'stop', this.state], { stdio: 'ignore' });
    rmSync(this.state, { recursive: true, force: true });
  }
}

export async function startPostgres() {
  return new Postgres().start();
}
