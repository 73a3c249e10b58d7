import { describe, expect, it } from 'vitest';
import { newRequestId } from './request-id.js';

describe('newRequestId', () => {
  it('mints distinct UUIDv7s whose order follows time', async () => {
    const first = Array.from({ length: 600 }, () => newRequestId()); // more than one pool of random bytes
    await new Promise((resolve) => setTimeout(resolve, 3));
    const later = newRequestId();
    expect(new Set(first).size).toBe(first.length);
    for (const id of [...first, later]) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // The first 48 bits are the time in ms: an id minted later sorts after every earlier one.
    expect(first.every((id) => id < later)).toBe(true);
    expect(Number.parseInt(later.replaceAll('-', '').slice(0, 12), 16)).toBeLessThanOrEqual(Date.now());
  });
});
