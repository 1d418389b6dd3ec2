// Several Stagecast nodes acting as one platform (docs/operations.md, "Multi-node"): one store
// (`storeUrl`: a SQLite file shared by the nodes on this machine, or a PostgreSQL URL), one
// Redis, the same secrets, each node with its own data directory, node.id and node.public_url.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StagecastProcess } from './server.mjs';
import { freePort } from './free_port.mjs';

const SECRETS = [
  '--auth.jwt_secret=cluster-jwt-secret-0123456789abcdef0123456789',
  '--auth.playback_secret=cluster-playback-secret-0123456789abcdef01',
];

export class Cluster {
  // storeUrl: null for a SQLite file in a temporary directory shared by the nodes.
  constructor({ redisUrl, storeUrl = null, args = [] }) {
    this.dir = mkdtempSync(join(tmpdir(), 'stagecast-cluster-'));
    this.storeUrl = storeUrl ?? `sqlite://${join(this.dir, 'shared.db')}`;
    this.redisUrl = redisUrl;
    this.args = args;
    this.nodes = new Map();
  }

  // Starts (or restarts, with the same data directory, id and port) node `id`.
  async start(id, { args = [], port } = {}) {
    const old = this.nodes.get(id);
    const dataDir = old?.dataDir ?? mkdtempSync(join(this.dir, `node-${id}-`));
    // The port is chosen first: node.public_url names it.
    const httpPort = port ?? old?.httpPort ?? await freePort();
    const node = new StagecastProcess({
      dataDir,
      args: [
        `--store.url=${this.storeUrl}`, `--bus.url=${this.redisUrl}`, `--node.id=${id}`, ...SECRETS,
        `--node.public_url=http://127.0.0.1:${httpPort}`, ...this.args, ...args,
      ],
    });
    node.args.push(`--http.port=${httpPort}`);  // after the harness's --http.port=0
    await node.start();
    this.nodes.set(id, node);
    return node;
  }

  node(id) { return this.nodes.get(id); }

  async cleanup() {
    for (const n of this.nodes.values()) await n.stop().catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }
}
