// A real OpenID provider for motcua's tests: panva's certified oidc-provider (installed from
// npm by .ci/run into target/oidc, never committed), with its development login and consent
// pages. The test kit copies this file there and runs it with node.
//
// Settings come from the environment: PORT, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI,
// POST_LOGOUT_URI, STATE_DIR (keys.json and accounts.json live there) and ROTATE=1 (a new
// signing key goes first, the old one stays published).
//
// For the tests of what a relying party must refuse, POST /__test/tamper {"mode": …} spoils
// the ID token of the next token response, re-signed with the real key: "aud", "iss", "exp",
// "nonce"; or "sig", which breaks its signature. GET /__test/stats counts key-set fetches.

import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import Provider from 'oidc-provider';
import * as jose from 'jose';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const port = Number(env('PORT'));
const issuer = `http://127.0.0.1:${port}`;
const stateDir = env('STATE_DIR');
const keysFile = join(stateDir, 'keys.json');

async function newKey() {
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = await jose.exportJWK(privateKey);
  return { ...jwk, kid: `k${Date.now().toString(36)}`, alg: 'RS256', use: 'sig' };
}

let keys = existsSync(keysFile) ? JSON.parse(readFileSync(keysFile, 'utf8')) : [];
if (keys.length === 0 || process.env.ROTATE === '1') keys = [await newKey(), ...keys];
writeFileSync(keysFile, JSON.stringify(keys));

const accounts = () => JSON.parse(readFileSync(join(stateDir, 'accounts.json'), 'utf8'));

const provider = new Provider(issuer, {
  clients: [{
    client_id: env('CLIENT_ID'),
    client_secret: env('CLIENT_SECRET'),
    redirect_uris: [env('REDIRECT_URI')],
    post_logout_redirect_uris: [env('POST_LOGOUT_URI')],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys },
  cookies: { keys: ['motcua-test-provider-cookie-key'] },
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    profile: ['name', 'birthdate', 'citizen_id', 'address', 'phone_number', 'email'],
  },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  async findAccount(ctx, id) {
    const claims = accounts()[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
});
provider.proxy = false;

let tamper = null;
let jwksFetches = 0;

function spoil(idToken, mode) {
  const [h, p, s] = idToken.split('.');
  if (mode === 'sig') {
    const flipped = s[0] === 'A' ? 'B' : 'A';
    return `${h}.${p}.${flipped}${s.slice(1)}`;
  }
  const header = JSON.parse(Buffer.from(h, 'base64url'));
  const payload = JSON.parse(Buffer.from(p, 'base64url'));
  const now = Math.floor(Date.now() / 1000);
  if (mode === 'aud') payload.aud = 'another-client';
  if (mode === 'iss') payload.iss = 'http://127.0.0.1:1/not-the-issuer';
  if (mode === 'exp') { payload.iat = now - 7200; payload.exp = now - 3600; }
  if (mode === 'nonce') payload.nonce = 'a-nonce-this-client-never-sent';
  const key = keys.find((k) => k.kid === header.kid);
  return jose.importJWK(key, 'RS256').then((signing) => new jose.CompactSign(
    Buffer.from(JSON.stringify(payload)),
  ).setProtectedHeader(header).sign(signing));
}

provider.use(async (ctx, next) => {
  if (ctx.path === '/__test/tamper' && ctx.method === 'POST') {
    const chunks = [];
    for await (const chunk of ctx.req) chunks.push(chunk);
    tamper = JSON.parse(Buffer.concat(chunks).toString() || '{}').mode ?? null;
    ctx.body = { tamper };
    return;
  }
  if (ctx.path === '/__test/stats') {
    ctx.body = { jwks: jwksFetches };
    return;
  }
  if (ctx.path === '/jwks') jwksFetches += 1;
  await next();
  if (ctx.path === '/token' && tamper && ctx.body && ctx.body.id_token) {
    const mode = tamper;
    tamper = null;
    ctx.body = { ...ctx.body, id_token: await spoil(ctx.body.id_token, mode) };
  }
});

provider.listen(port, '127.0.0.1', () => {
  console.error(`oidc-provider ${process.pid} listening on ${issuer}, signing with ${keys[0].kid}`);
});
