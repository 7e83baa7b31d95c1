// node-oidc-provider 9.x set up for the same workloads bench/run.sh runs against AuthServer:
// client_credentials giving an opaque token or an ES256 / RS256 JWT (RFC 9068) by resource,
// introspection of opaque tokens by a gateway client, JWKS and discovery.
// In-memory adapter (the library's default), so nothing it issues is written to disk.
//
// Clients, APIs and secrets come from bench/authserver.json, the very file AuthServer imports.
//
//   PORT=5101 ISSUER=http://127.0.0.1:5101 node server.mjs
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT ?? 5101);
const issuer = process.env.ISSUER ?? `http://127.0.0.1:${port}`;
const bench = JSON.parse(readFileSync(new URL('../authserver.json', import.meta.url), 'utf8'));

function signingKey(type, options, alg) {
  const jwk = generateKeyPairSync(type, options).privateKey.export({ format: 'jwk' });
  return { ...jwk, alg, use: 'sig', kid: `${alg.toLowerCase()}-bench` };
}

// The API decides the algorithm and the client decides the format, as in AuthServer.
const apis = new Map(bench.apis.map((api) => [api.name, api]));
const opaqueClients = new Set(bench.clients.filter((c) => c.accessTokenFormat === 'opaque').map((c) => c.clientId));

const provider = new Provider(issuer, {
  clients: bench.clients.map((c) => ({
    client_id: c.clientId,
    client_secret: c.secret.value,
    grant_types: c.grantTypes ?? [],
    response_types: [],
    redirect_uris: [],
    scope: (c.allowedScopes ?? []).join(' ') || undefined,
    token_endpoint_auth_method: 'client_secret_basic',
  })),
  scopes: [...new Set(bench.apis.flatMap((api) => api.scopes))],
  jwks: {
    keys: [
      signingKey('ec', { namedCurve: 'P-256' }, 'ES256'),
      signingKey('rsa', { modulusLength: 2048 }, 'RS256'),
    ],
  },
  cookies: { keys: ['bench-cookie-key-not-used-by-these-workloads'] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => undefined,
      useGrantedResource: () => true,
      getResourceServerInfo(ctx, resource, client) {
        const api = apis.get(resource);
        if (!api) {
          throw new Provider.errors.InvalidTarget();
        }
        const opaque = opaqueClients.has(client.clientId);
        return {
          scope: api.scopes.join(' '),
          audience: api.name,
          accessTokenTTL: 3600,
          accessTokenFormat: opaque ? 'opaque' : 'jwt',
          ...(opaque ? {} : { jwt: { sign: { alg: api.signingAlgorithm } } }),
        };
      },
    },
  },
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider ${issuer} listening on 127.0.0.1:${port}`);
});
