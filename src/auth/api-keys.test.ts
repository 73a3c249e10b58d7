import { describe, expect, it } from 'vitest';
import { createKey, generateKey, hashKey, listKeys, revokeKey } from './api-keys.js';
import { createMemoryKeyStore } from './testing/memory-key-store.js';

describe('API keys', () => {
  it('generates tg_ + 32 url-safe characters, hashed with SHA-256, with a short prefix', () => {
    const { secret, hash, prefix } = generateKey();
    expect(secret).toMatch(/^tg_[A-Za-z0-9_-]{32}$/);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe(hashKey(secret));
    // Known vector: SHA-256("abc").
    expect(hashKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(prefix).toBe(secret.slice(0, 10));
    expect(generateKey().secret).not.toBe(secret);
  });

  it('stores the hash and prefix, never the secret', async () => {
    const store = createMemoryKeyStore();
    const { key, secret } = await createKey(store, { name: ' ci ', team: 'research', budget: { monthlyUsd: 50, mode: 'hard' } }, 1_000);
    expect(key).toEqual({
      id: expect.stringMatching(/^key_[0-9a-f]{16}$/),
      name: 'ci',
      team: 'research',
      hash: hashKey(secret),
      prefix: secret.slice(0, 10),
      createdAt: 1_000,
      revokedAt: null,
      budget: { monthlyUsd: 50, mode: 'hard' },
      limits: null,
    });
    const stored = await listKeys(store);
    expect(stored).toEqual([key]);
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(await store.findKeyByHash(hashKey(secret))).toEqual(key);
  });

  it('validates name, budget and limits', async () => {
    const store = createMemoryKeyStore();
    await expect(createKey(store, { name: '  ' }, 0)).rejects.toMatchObject({ code: 'invalid_request', param: 'name' });
    await expect(createKey(store, { name: 'x', limits: { requestsPerMinute: 0 } }, 0)).rejects.toMatchObject({ code: 'invalid_request', param: 'limits' });
    await expect(createKey(store, { name: 'x', budget: { mode: 'soft' } }, 0)).rejects.toThrow(/Invalid budget: expected dailyUsd, monthlyUsd or both/);
    expect(store.calls.insertKey).toBe(0);
  });

  it('revokes by id or by prefix (with or without …), once', async () => {
    const store = createMemoryKeyStore();
    const first = await createKey(store, { name: 'a' }, 0);
    const second = await createKey(store, { name: 'b' }, 0);

    expect(await revokeKey(store, first.key.id, 5)).toEqual({ key: { ...first.key, revokedAt: 5 }, alreadyRevoked: false });
    expect(await revokeKey(store, `${second.key.prefix}…`, 6)).toEqual({ key: { ...second.key, revokedAt: 6 }, alreadyRevoked: false });
    expect(await revokeKey(store, first.key.id, 7)).toEqual({ key: { ...first.key, revokedAt: 5 }, alreadyRevoked: true });
    expect((await listKeys(store)).map((key) => key.revokedAt)).toEqual([5, 6]);
    await expect(revokeKey(store, 'key_nope', 8)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('refuses a prefix that matches several keys', async () => {
    const store = createMemoryKeyStore();
    const { key } = await createKey(store, { name: 'a' }, 0);
    await store.insertKey({ ...key, id: 'key_twin', hash: 'f'.repeat(64) });
    await expect(revokeKey(store, key.prefix, 1)).rejects.toThrow(`matches 2 keys (${key.id}, key_twin); revoke by id`);
    expect(store.calls.revokeKey).toBe(0);
  });
});
