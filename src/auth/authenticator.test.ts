import { describe, expect, it } from 'vitest';
import { AuthenticationError } from '../core/index.js';
import { createKey, revokeKey } from './api-keys.js';
import { createAuthenticator, isLoopback, type AuthRequest } from './authenticator.js';
import { createMemoryKeyStore } from './testing/memory-key-store.js';

const LOCAL = { remoteAddress: '127.0.0.1' } satisfies AuthRequest;
const REMOTE = { remoteAddress: '203.0.113.9' } satisfies AuthRequest;

function setup(ttl = 10_000) {
  const store = createMemoryKeyStore();
  const clock = { time: 1_000_000 };
  const auth = createAuthenticator({ store, now: () => clock.time, cacheTtlMs: ttl });
  return { store, clock, auth };
}

async function refusal(promise: Promise<unknown>): Promise<AuthenticationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthenticationError);
  return error as AuthenticationError;
}

describe('isLoopback', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:10.0.0.1', false],
    ['10.0.0.1', false],
    ['::', false],
    ['127.0.0.1.evil', false],
    [undefined, false],
  ])('%s → %s', (address, expected) => expect(isLoopback(address)).toBe(expected));
});

describe('authenticator, before any key exists', () => {
  it('accepts key-less loopback callers, refuses remote ones with how to create a key', async () => {
    const { auth } = setup();
    expect(await auth.authenticate(LOCAL)).toEqual({ keyId: null, team: null });
    expect(await auth.authenticate({ remoteAddress: '::1' })).toEqual({ keyId: null, team: null });
    const error = await refusal(auth.authenticate(REMOTE));
    expect(error).toMatchObject({ status: 401, code: 'authentication_failed' });
    expect(error.message).toBe('no API keys exist yet: create one with `tollgate keys create`; until then only local callers are accepted');
  });

  it('ignores whatever key a loopback caller sends while none exist (SDKs always send one), refuses it from elsewhere without echoing it', async () => {
    const { auth } = setup();
    expect(await auth.authenticate({ ...LOCAL, authorization: 'Bearer sk-anything' })).toEqual({ keyId: null, team: null });
    expect(await auth.authenticate({ ...LOCAL, xApiKey: 'tg_madeup' })).toEqual({ keyId: null, team: null });
    const error = await refusal(auth.authenticate({ ...REMOTE, authorization: 'Bearer tg_madeup' }));
    expect(error.message).toMatch(/^invalid API key: no API keys exist yet/);
    expect(error.message).not.toContain('tg_madeup');
  });

  it('only revoked keys counts as none', async () => {
    const { store, auth } = setup();
    const { key } = await createKey(store, { name: 'old' }, 0);
    await revokeKey(store, key.id, 1);
    expect(await auth.authenticate(LOCAL)).toEqual({ keyId: null, team: null });
  });
});

describe('authenticator, with keys', () => {
  it('accepts a key as Bearer (OpenAI clients) or x-api-key (Anthropic clients)', async () => {
    const { store, auth } = setup();
    const { key, secret } = await createKey(store, { name: 'ci', team: 'research' }, 0);
    const expected = { keyId: key.id, team: 'research', key };
    expect(await auth.authenticate({ ...REMOTE, authorization: `Bearer ${secret}` })).toEqual(expected);
    expect(await auth.authenticate({ ...REMOTE, authorization: `bearer   ${secret} ` })).toEqual(expected);
    expect(await auth.authenticate({ ...REMOTE, xApiKey: secret })).toEqual(expected);
    // Both headers (Anthropic SDK with an auth token too): ours wins.
    expect(await auth.authenticate({ ...REMOTE, authorization: 'Bearer sk-ant-upstream', xApiKey: secret })).toEqual(expected);
  });

  it('requires a key from everyone, loopback included', async () => {
    const { store, auth } = setup();
    await createKey(store, { name: 'ci' }, 0);
    for (const request of [LOCAL, { ...REMOTE, authorization: 'Basic dXNlcjpwdw==' }, { ...REMOTE, xApiKey: ' ' }]) {
      expect((await refusal(auth.authenticate(request))).message).toBe('missing API key: send Authorization: Bearer <key> or x-api-key: <key>');
    }
  });

  it('refuses unknown and revoked keys', async () => {
    const { store, auth } = setup();
    const { secret } = await createKey(store, { name: 'live' }, 0);
    const revoked = await createKey(store, { name: 'gone' }, 0);
    await revokeKey(store, revoked.key.id, 1);
    expect((await refusal(auth.authenticate({ ...REMOTE, xApiKey: `${secret}x` }))).message).toBe('invalid API key');
    expect((await refusal(auth.authenticate({ ...REMOTE, xApiKey: revoked.secret }))).message).toBe('API key revoked');
  });
});

describe('authenticator cache', () => {
  it('asks the store once per key per TTL, for hits and misses, and shares concurrent lookups', async () => {
    const { store, clock, auth } = setup(10_000);
    const { secret } = await createKey(store, { name: 'ci' }, 0);
    await Promise.all(Array.from({ length: 5 }, () => auth.authenticate({ ...REMOTE, xApiKey: secret })));
    for (let i = 0; i < 3; i += 1) await refusal(auth.authenticate({ ...REMOTE, xApiKey: 'tg_wrong' }));
    expect(store.calls.findKeyByHash).toBe(2);
    expect(store.calls.listKeys).toBe(1);

    clock.time += 9_999;
    await auth.authenticate({ ...REMOTE, xApiKey: secret });
    expect(store.calls.findKeyByHash).toBe(2);
    clock.time += 1;
    await auth.authenticate({ ...REMOTE, xApiKey: secret });
    expect(store.calls.findKeyByHash).toBe(3);
    expect(store.calls.listKeys).toBe(2);
  });

  it('a key the CLI writes after its secret was refused is accepted once the TTL has passed', async () => {
    const { store, clock, auth } = setup(10_000);
    await createKey(store, { name: 'first' }, 0);
    const elsewhere = createMemoryKeyStore();
    const cli = await createKey(elsewhere, { name: 'new' }, 0); // secret known, key not in our store yet
    expect((await refusal(auth.authenticate({ ...REMOTE, xApiKey: cli.secret }))).message).toBe('invalid API key');

    await store.insertKey(cli.key);
    clock.time += 9_999;
    await refusal(auth.authenticate({ ...REMOTE, xApiKey: cli.secret })); // the miss is still cached
    clock.time += 1;
    expect(await auth.authenticate({ ...REMOTE, xApiKey: cli.secret })).toMatchObject({ keyId: cli.key.id });
  });

  it('the first key is accepted at once, and from then on key-less loopback callers are refused', async () => {
    const { store, auth } = setup(10_000);
    expect(await auth.authenticate(LOCAL)).toEqual({ keyId: null, team: null }); // "no keys" now cached
    const { key, secret } = await createKey(store, { name: 'first' }, 0);
    expect(await auth.authenticate({ ...LOCAL, authorization: `Bearer ${secret}` })).toMatchObject({ keyId: key.id });
    expect((await refusal(auth.authenticate(LOCAL))).message).toMatch(/^missing API key/);
  });

  it('a revocation takes effect when the TTL has passed', async () => {
    const { store, clock, auth } = setup(10_000);
    const { key, secret } = await createKey(store, { name: 'ci' }, 0);
    await createKey(store, { name: 'other' }, 0);
    expect(await auth.authenticate({ ...REMOTE, xApiKey: secret })).toMatchObject({ keyId: key.id });
    await revokeKey(store, key.id, clock.time);
    clock.time += 5_000;
    expect(await auth.authenticate({ ...REMOTE, xApiKey: secret })).toMatchObject({ keyId: key.id });
    clock.time += 5_000;
    expect((await refusal(auth.authenticate({ ...REMOTE, xApiKey: secret }))).message).toBe('API key revoked');
  });

  it('when the store fails, keeps the last answers; with none, the error propagates', async () => {
    const { store, clock, auth } = setup(10_000);
    const { key, secret } = await createKey(store, { name: 'ci' }, 0);
    await auth.authenticate({ ...REMOTE, xApiKey: secret });
    store.failWith = new Error('database is locked');
    clock.time += 60_000;
    expect(await auth.authenticate({ ...REMOTE, xApiKey: secret })).toMatchObject({ keyId: key.id });
    await expect(auth.authenticate({ ...REMOTE, xApiKey: 'tg_other' })).rejects.toThrow('database is locked');
  });

  it('invalidate() forgets everything at once', async () => {
    const { store, auth } = setup(10_000);
    const { key, secret } = await createKey(store, { name: 'ci' }, 0);
    await createKey(store, { name: 'other' }, 0);
    await auth.authenticate({ ...REMOTE, xApiKey: secret });
    await revokeKey(store, key.id, 1);
    auth.invalidate();
    expect((await refusal(auth.authenticate({ ...REMOTE, xApiKey: secret }))).message).toBe('API key revoked');
  });

  it('bounds the cache under a spray of made-up keys', async () => {
    const store = createMemoryKeyStore();
    const auth = createAuthenticator({ store, now: () => 0, maxCachedKeys: 3 });
    const { secret } = await createKey(store, { name: 'ci' }, 0);
    await auth.authenticate({ ...REMOTE, xApiKey: secret });
    for (let i = 0; i < 3; i += 1) await refusal(auth.authenticate({ ...REMOTE, xApiKey: `tg_spray${i}` }));
    const before = store.calls.findKeyByHash;
    await auth.authenticate({ ...REMOTE, xApiKey: secret }); // evicted as the oldest: looked up again
    expect(store.calls.findKeyByHash).toBe(before + 1);
  });
});

describe('authenticateNow (the synchronous fast path)', () => {
  it('answers only what the cache already accepts, and defers everything else to authenticate', async () => {
    const { store, auth, clock } = setup();
    expect(auth.authenticateNow(LOCAL)).toBeUndefined(); // nothing cached yet
    await auth.authenticate(LOCAL);
    expect(auth.authenticateNow(LOCAL)).toEqual({ keyId: null, team: null });
    expect(auth.authenticateNow(REMOTE)).toBeUndefined(); // a refusal is authenticate's to explain

    const { key, secret } = await createKey(store, { name: 'fast', team: 't' }, 0);
    await createKey(store, { name: 'another' }, 0); // stays active, so revoking the first is a refusal
    clock.time += 10_001; // past the TTL: keys now exist
    const bearer = { ...LOCAL, authorization: `Bearer ${secret}` };
    expect(auth.authenticateNow(bearer)).toBeUndefined();
    expect(await auth.authenticate(bearer)).toMatchObject({ keyId: key.id });
    expect(auth.authenticateNow(bearer)).toMatchObject({ keyId: key.id, team: 't' });
    expect(auth.authenticateNow(LOCAL)).toBeUndefined(); // key-less is refused now, by authenticate
    await expect(auth.authenticate(LOCAL)).rejects.toMatchObject({ status: 401 });
    await revokeKey(store, key.id, 1);
    clock.time += 10_001;
    expect(auth.authenticateNow(bearer)).toBeUndefined();
    await expect(auth.authenticate(bearer)).rejects.toMatchObject({ message: 'API key revoked' });
  });
});
