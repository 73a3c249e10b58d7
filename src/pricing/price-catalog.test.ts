import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_PRICES_PATH, loadPriceCatalog, parsePriceCatalog, PriceCatalogError } from './price-catalog.js';

describe('the built-in price catalogue', () => {
  it('sits at config/prices.yaml in the package root', () => {
    expect(BUILT_IN_PRICES_PATH.replaceAll('\\', '/')).toMatch(/\/config\/prices\.yaml$/);
  });

  it('has the Claude 5.5 family genai-prices 0.1.8 lacks, with cache prices and the Haiku tier', async () => {
    const catalog = await loadPriceCatalog();
    expect(Object.keys(catalog.anthropic)).toEqual(expect.arrayContaining(['claude-opus-5-5', 'claude-sonnet-5-5', 'claude-haiku-5-5']));
    for (const price of Object.values(catalog.anthropic)) {
      expect(price.cacheRead).toBeDefined();
      expect(price.cacheWrite).toBeDefined();
    }
    expect(catalog.anthropic['claude-haiku-5-5']?.tiers).toEqual([{ aboveInputTokens: 100_000, input: 0.5, output: 2.5, cacheRead: 0.05, cacheWrite: 0.625 }]);
  });

  it('gives every entry a source comment', async () => {
    const { readFile } = await import('node:fs/promises');
    const lines = (await readFile(BUILT_IN_PRICES_PATH, 'utf8')).split('\n');
    const entries = lines.flatMap((line, i) => (/^ {2}[a-z0-9.-]+:/.test(line) ? [i] : []));
    expect(entries.length).toBeGreaterThanOrEqual(3);
    for (const i of entries) {
      const comments = lines.slice(0, i).reverse();
      const block = comments.slice(0, comments.findIndex((line) => !line.trimStart().startsWith('#')));
      expect(block.some((line) => line.includes('# source:')), `entry at line ${i + 1} has no source comment`).toBe(true);
    }
  });
});

describe('a price file', () => {
  it('that is invalid names the path in the file', () => {
    const text = 'anthropic:\n  claude-x:\n    input: 1\n    output: "2"\ngoogle: {}\n';
    expect(() => parsePriceCatalog(text, 'prices.yaml')).toThrow(PriceCatalogError);
    try {
      parsePriceCatalog(text, 'prices.yaml');
    } catch (error) {
      expect((error as PriceCatalogError).issues).toEqual([
        'anthropic.claude-x.output: expected a price in USD per million tokens',
        '(root): Unrecognized key: "google"',
      ]);
    }
  });

  it('that cannot be read says so', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-prices-'));
    await expect(loadPriceCatalog(join(dir, 'missing.yaml'))).rejects.toThrow(/cannot read the file: ENOENT/);
    await writeFile(join(dir, 'bad.yaml'), 'anthropic: [\n');
    await expect(loadPriceCatalog(join(dir, 'bad.yaml'))).rejects.toThrow(/not valid YAML/);
  });

  it('may be empty', () => {
    expect(parsePriceCatalog('', 'empty.yaml')).toEqual({ anthropic: {}, openai: {} });
  });
});
