#!/bin/sh
# Regenerates node_tokens.json: keys and JWTs made by Node's built-in crypto module (an independent
# JWS implementation) so that tests/unit/platform/jwt_test.cpp proves interoperability.
# Tokens are valid from 1700000000 to 1700003600 (unit tests run a ManualClock in that window).
set -eu
cd "$(dirname "$0")"
node -e '
const crypto = require("crypto");
const b64 = (b) => Buffer.from(b).toString("base64url");
const seg = (o) => b64(JSON.stringify(o));
const claims = { sub: "user-node-1", role: "ARTIST", iss: "directfanz", aud: "stagecast",
                 iat: 1700000000, exp: 1700003600, name: "Node Artist", email: "node@example.com" };
const rsa = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
const ec = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
const secret = crypto.randomBytes(32).toString("hex");
function sign(alg, key, kid) {
  const header = { alg, typ: "JWT" };
  if (kid) header.kid = kid;
  const input = seg(header) + "." + seg(claims);
  let sig;
  if (alg === "HS256") sig = crypto.createHmac("sha256", key).update(input).digest();
  if (alg === "RS256") sig = crypto.sign("sha256", Buffer.from(input), key);
  // ieee-p1363 is the raw R||S form that JWS requires (RFC 7518 section 3.4).
  if (alg === "ES256") sig = crypto.sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" });
  return input + "." + b64(sig);
}
const out = {
  hs256_secret: secret,
  rsa_public_pem: rsa.publicKey.export({ type: "spki", format: "pem" }),
  ec_public_pem: ec.publicKey.export({ type: "spki", format: "pem" }),
  hs256_token: sign("HS256", secret),
  rs256_token: sign("RS256", rsa.privateKey, "rsa-1"),
  es256_token: sign("ES256", ec.privateKey, "ec-1"),
  claims,
};
process.stdout.write(JSON.stringify(out, null, 2) + "\n");
' > node_tokens.json
