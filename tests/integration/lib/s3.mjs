// A real S3-compatible server on loopback for the recording tests: s3rver (npm) behind a small
// proxy that the tests control. The proxy
//  * checks every request's SigV4 signature with AWS's own signer (@smithy/signature-v4, the one
//    inside the AWS SDK) and the declared payload hash against the body: s3rver itself does not
//    verify V4 signatures, and a wrong one must fail the test, not pass silently;
//  * adds the two multipart calls s3rver lacks, ListMultipartUploads and AbortMultipartUpload,
//    over s3rver's own upload folders, so "no orphan upload" is checked against what s3rver holds;
//  * records the requests (part sizes) and injects faults: down (connection refused on the same
//    port), an HTTP status with an S3 error body, or garbage with 200.
// @aws-sdk/client-s3 reads back independently through the same proxy.
import { createServer, request as httpRequest } from 'node:http';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  S3Client, ListObjectsV2Command, GetObjectCommand, ListMultipartUploadsCommand, HeadObjectCommand,
} from '@aws-sdk/client-s3';

export const S3_KEY_ID = 'S3RVER';
export const S3_SECRET = 'S3RVER';
export const S3_REGION = 'us-east-1';

// The hash constructor @smithy/signature-v4 wants, over node:crypto (what @smithy/hash-node does).
class NodeSha256 {
  constructor(secret) { this.h = secret ? createHmac('sha256', secret) : createHash('sha256'); }
  update(data) { this.h.update(data); }
  async digest() { return new Uint8Array(this.h.digest()); }
}

function xmlError(code, message) {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}

function parseAuthorization(value) {
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(value ?? '');
  if (!m) return null;
  return { keyId: m[1], day: m[2], region: m[3], signedHeaders: m[4].split(';'), signature: m[5] };
}

function parseAmzDate(amzDate) {
  if (!/^\d{8}T\d{6}Z$/.test(amzDate ?? '')) return null;
  return new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
}

function signerFor(region) {
  return new SignatureV4({
    credentials: { accessKeyId: S3_KEY_ID, secretAccessKey: S3_SECRET },
    region, service: 's3', sha256: NodeSha256, uriEscapePath: false, applyChecksum: false,
  });
}

// A presigned URL (query string authentication): re-sign it and compare, and check its expiry.
async function verifyPresigned(req, url) {
  const q = Object.fromEntries(url.searchParams);
  const when = parseAmzDate(q['X-Amz-Date']);
  const cred = /^([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request$/.exec(q['X-Amz-Credential'] ?? '');
  if (!when || !cred || cred[1] !== S3_KEY_ID) return 'bad presigned credential or date';
  const expires = Number(q['X-Amz-Expires']);
  if (!(expires > 0) || Date.now() > when.getTime() + expires * 1000) return 'presigned URL expired';
  const query = { ...q };
  for (const k of ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature']) delete query[k];
  const signed = await signerFor(cred[3]).presign(
    // S3 presigned URLs sign UNSIGNED-PAYLOAD (what AWS's own S3 presigner sets up this way).
    { method: req.method, protocol: 'http:', hostname: '127.0.0.1', path: url.pathname, query, headers: { host: req.headers.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } },
    { signingDate: when, expiresIn: expires, unhoistableHeaders: new Set(['x-amz-content-sha256']), unsignableHeaders: new Set(['x-amz-content-sha256']) },
  );
  return signed.query['X-Amz-Signature'] === q['X-Amz-Signature'] ? null : 'SignatureDoesNotMatch (presigned)';
}

async function verifySignature(req, body) {
  const presignedUrl = new URL(req.url, 'http://placeholder');
  if (presignedUrl.searchParams.has('X-Amz-Signature')) return verifyPresigned(req, presignedUrl);
  const auth = parseAuthorization(req.headers.authorization);
  if (!auth) return 'no AWS4-HMAC-SHA256 Authorization header';
  if (auth.keyId !== S3_KEY_ID) return 'unknown access key';
  const declared = req.headers['x-amz-content-sha256'];
  if (declared !== 'UNSIGNED-PAYLOAD' && declared !== createHash('sha256').update(body).digest('hex')) {
    return 'x-amz-content-sha256 does not match the body';
  }
  const when = parseAmzDate(req.headers['x-amz-date']);
  if (!when) return 'no x-amz-date';
  if (Math.abs(Date.now() - when.getTime()) > 15 * 60 * 1000) return 'x-amz-date is too far from now';
  const url = new URL(req.url, 'http://placeholder');
  const query = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const headers = {};
  for (const name of auth.signedHeaders) headers[name] = req.headers[name] ?? '';
  const signed = await signerFor(auth.region).sign(
    { method: req.method, protocol: 'http:', hostname: '127.0.0.1', path: url.pathname, query, headers, body },
    { signingDate: when },
  );
  const expected = parseAuthorization(signed.headers.authorization)?.signature;
  return expected === auth.signature ? null : 'SignatureDoesNotMatch';
}

export class S3Harness {
  constructor({ bucket = 'recordings' } = {}) {
    this.bucket = bucket;
    this.dir = mkdtempSync(join(tmpdir(), 's3rver-'));
    this.mode = 'ok';
    this.requests = [];
    this.signatureFailures = [];
    this.sockets = new Set();
  }

  async start() {
    this.backend = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: this.dir, configureBuckets: [{ name: this.bucket }] });
    const info = await this.backend.run();
    this.backendPort = info.port;
    this.proxy = createServer((req, res) => this.handle(req, res));
    this.proxy.on('connection', (s) => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); });
    await new Promise((resolve) => this.proxy.listen(0, '127.0.0.1', resolve));
    this.port = this.proxy.address().port;
    this.endpoint = `http://127.0.0.1:${this.port}`;
    this.client = new S3Client({
      endpoint: this.endpoint, region: S3_REGION, forcePathStyle: true,
      credentials: { accessKeyId: S3_KEY_ID, secretAccessKey: S3_SECRET },
      requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
    });
    return this;
  }

  // Flags for a Stagecast server that records here.
  serverArgs() {
    return ['--record.store=s3', `--record.s3_endpoint=${this.endpoint}`, `--record.s3_bucket=${this.bucket}`,
      `--record.s3_region=${S3_REGION}`, '--record.s3_path_style=true'];
  }
  serverEnv() { return { AWS_ACCESS_KEY_ID: S3_KEY_ID, AWS_SECRET_ACCESS_KEY: S3_SECRET }; }

  // Connection refused until up(): the port stays ours (nothing else binds it meanwhile, in practice).
  async down() {
    if (!this.proxy.listening) return;
    const closed = new Promise((resolve) => this.proxy.close(resolve));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
  async up() {
    if (this.proxy.listening) return;
    await new Promise((resolve, reject) => { this.proxy.once('error', reject); this.proxy.listen(this.port, '127.0.0.1', resolve); });
  }
  // 'ok', { status: 500|403|..., code }, or 'garbage' (200 with an HTML page).
  fail(mode) { this.mode = mode; }

  uploadDirs() {
    // s3rver keeps an open multipart upload as a folder named after its id (with a 'key' file).
    const found = [];
    const walk = (d) => {
      if (!existsSync(d)) return;
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (!e.isDirectory()) continue;
        const p = join(d, e.name);
        if (/^[0-9a-f]{32}$/.test(e.name) && existsSync(join(p, 'key'))) found.push({ id: e.name, dir: p, key: readFileSync(join(p, 'key'), 'utf8') });
        else walk(p);
      }
    };
    walk(join(this.dir, this.bucket));
    return found;
  }

  async handle(req, res) {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url, 'http://placeholder');
    const entry = { method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), bytes: body.length, at: Date.now() };
    this.requests.push(entry);
    const problem = await verifySignature(req, body);
    if (problem) {
      this.signatureFailures.push({ ...entry, problem });
      res.writeHead(403, { 'content-type': 'application/xml' }).end(xmlError('SignatureDoesNotMatch', problem));
      return;
    }
    if (this.mode === 'garbage') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Welcome to the hotel wifi</body></html>');
      return;
    }
    if (this.mode !== 'ok') {
      res.writeHead(this.mode.status, { 'content-type': 'application/xml' }).end(xmlError(this.mode.code ?? 'InternalError', 'injected by the test'));
      return;
    }
    const bucketPath = `/${this.bucket}`;
    if (req.method === 'GET' && url.pathname.replace(/\/$/, '') === bucketPath && url.searchParams.has('uploads')) {
      const prefix = url.searchParams.get('prefix') ?? '';
      const uploads = this.uploadDirs().filter((u) => u.key.startsWith(prefix))
        .map((u) => `<Upload><Key>${u.key}</Key><UploadId>${u.id}</UploadId></Upload>`).join('');
      res.writeHead(200, { 'content-type': 'application/xml' })
        .end(`<?xml version="1.0" encoding="UTF-8"?>\n<ListMultipartUploadsResult><Bucket>${this.bucket}</Bucket><IsTruncated>false</IsTruncated>${uploads}</ListMultipartUploadsResult>`);
      return;
    }
    if (req.method === 'DELETE' && url.searchParams.has('uploadId')) {
      const u = this.uploadDirs().find((x) => x.id === url.searchParams.get('uploadId'));
      if (!u) { res.writeHead(404, { 'content-type': 'application/xml' }).end(xmlError('NoSuchUpload', 'no such upload')); return; }
      rmSync(u.dir, { recursive: true, force: true });
      res.writeHead(204).end();
      return;
    }
    const headers = { ...req.headers, 'content-length': String(body.length) };
    delete headers['transfer-encoding'];
    const upstream = httpRequest({ host: '127.0.0.1', port: this.backendPort, method: req.method, path: req.url, headers }, (up) => {
      entry.status = up.statusCode;
      res.writeHead(up.statusCode, up.headers);
      up.pipe(res);
    });
    upstream.on('error', (e) => { res.writeHead(502).end(String(e)); });
    upstream.end(body);
  }

  async listObjects(prefix = '') {
    const out = [];
    let token;
    do {
      const r = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of r.Contents ?? []) out.push({ key: o.Key, size: o.Size });
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return out;
  }
  async getObject(key) {
    const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return Buffer.from(await r.Body.transformToByteArray());
  }
  async headObject(key) {
    return this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
  }
  async listUploads(prefix = '') {
    const r = await this.client.send(new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: prefix }));
    return r.Uploads ?? [];
  }
  partUploads() { return this.requests.filter((r) => r.method === 'PUT' && r.query.partNumber); }

  async stop() {
    this.client?.destroy();
    await this.up().catch(() => {});
    await new Promise((resolve) => this.proxy.close(resolve));
    for (const s of this.sockets) s.destroy();
    await this.backend.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function startS3(opts) {
  return new S3Harness(opts).start();
}
