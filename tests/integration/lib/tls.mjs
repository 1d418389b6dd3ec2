// TLS helpers for the tests: a self-signed certificate made with the openssl CLI (valid for
// 127.0.0.1 and localhost), its fingerprint as Node reports a peer's (fingerprint256), and the
// SPKI hash Chromium's --ignore-certificate-errors-spki-list takes.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import { X509Certificate, createHash } from 'node:crypto';

export function makeCertificate(dir, name = 'cert', cn = 'stagecast-test') {
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-nodes', '-days', '2', '-subj', `/CN=${cn}`,
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', keyFile, '-out', certFile], { stdio: 'pipe' });
  return describe(certFile, keyFile);
}

export function describe(certFile, keyFile) {
  const pem = readFileSync(certFile, 'utf8');
  const x = new X509Certificate(pem);
  const spkiDer = x.publicKey.export({ type: 'spki', format: 'der' });
  return {
    certFile, keyFile, pem, key: readFileSync(keyFile, 'utf8'),
    fingerprint: x.fingerprint256,
    spki: createHash('sha256').update(spkiDer).digest('base64'),
  };
}

// Connects with TLS, trusting `ca` (PEM); resolves { socket, fingerprint, alpn }.
export function tlsConnect(port, { ca, alpn, ...options } = {}) {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, ALPNProtocols: alpn, ...options },
      () => resolve({ socket, fingerprint: socket.getPeerCertificate().fingerprint256, alpn: socket.alpnProtocol }));
    socket.once('error', reject);
  });
}

// One HTTP/1.1 request on an open (TLS or plain) socket; resolves the response's status, headers
// and body (content-length framing).
export function requestOn(socket, path, { host = '127.0.0.1', keepAlive = true } = {}) {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (d) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString('latin1');
      const m = /content-length:\s*(\d+)/i.exec(head);
      const len = m ? Number(m[1]) : 0;
      if (buf.length < end + 4 + len) return;
      socket.off('data', onData);
      socket.off('error', reject);
      resolve({ status: Number(head.split(' ')[1]), head, body: buf.subarray(end + 4, end + 4 + len) });
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(`GET ${path} HTTP/1.1\r\nhost: ${host}\r\n${keepAlive ? '' : 'connection: close\r\n'}\r\n`);
  });
}
