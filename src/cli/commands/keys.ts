import { InvalidArgumentError, type Command } from 'commander';
import Table from 'cli-table3';
import { loadConfig } from '../../config/index.js';
import { openLedgerStore } from '../../ledger/store/index.js';
import type { BudgetSpec, LedgerStore, RateLimitSpec, StoredKey } from '../../ledger/ledger-store.js';
import { createKey, listKeys, revokeKey } from '../../auth/index.js';
import { parseNumber, plainWhenPiped } from '../shared.js';

interface CreateOptions {
  config?: string;
  name: string;
  team?: string;
  dailyBudget?: number;
  monthlyBudget?: number;
  budgetMode: 'hard' | 'soft';
  rpm?: number;
  tpm?: number;
  format: 'text' | 'json';
}

/**
 * `tollgate keys create|list|revoke`: API keys in the ledger's store, hashed. The secret is shown
 * once, at creation. A running gateway sees new and revoked keys within seconds (its key cache).
 */
export function registerKeysCommand(program: Command): void {
  const keys = program.command('keys').description('API keys: create (shown once, stored hashed), list, revoke');

  keys
    .command('create')
    .description('Create a key; its secret is printed once and never stored')
    .requiredOption('--name <name>', 'what the key is for (e.g. "kb-analyzer")')
    .option('--team <team>', 'team the key belongs to (team budgets apply)')
    .option('--daily-budget <usd>', 'cloud spend per UTC day, USD', parseNumber)
    .option('--monthly-budget <usd>', 'cloud spend per UTC month, USD', parseNumber)
    .option('--budget-mode <mode>', 'hard: refuse once spent; soft: warn only', parseMode, 'hard' as const)
    .option('--rpm <n>', 'requests per minute', parsePositiveInteger)
    .option('--tpm <n>', 'tokens per minute', parsePositiveInteger)
    .option('--format <format>', 'text | json', (value: string) => (value === 'json' ? 'json' : 'text'), 'text' as const)
    .option('-c, --config <path>', 'config file (default: $TOLLGATE_CONFIG or ./tollgate.yaml)')
    .action(async (options: CreateOptions) => {
      await withStore(options.config, async (store) => {
        const budget: BudgetSpec | null =
          options.dailyBudget !== undefined || options.monthlyBudget !== undefined
            ? {
                mode: options.budgetMode,
                ...(options.dailyBudget !== undefined ? { dailyUsd: options.dailyBudget } : {}),
                ...(options.monthlyBudget !== undefined ? { monthlyUsd: options.monthlyBudget } : {}),
              }
            : null;
        const limits: RateLimitSpec | null =
          options.rpm !== undefined || options.tpm !== undefined
            ? { ...(options.rpm !== undefined ? { requestsPerMinute: options.rpm } : {}), ...(options.tpm !== undefined ? { tokensPerMinute: options.tpm } : {}) }
            : null;
        const { key, secret } = await createKey(store, { name: options.name, team: options.team ?? null, budget, limits }, Date.now());
        if (options.format === 'json') {
          console.log(JSON.stringify({ ...publicKey(key), secret }, null, 2));
          return;
        }
        console.log(`Created ${key.id} (${key.name}${key.team ? `, team ${key.team}` : ''}).`);
        console.log(`\n  ${secret}\n`);
        console.log('This is the only time the secret is shown: store it now. Clients send it as');
        console.log('`Authorization: Bearer <key>` (OpenAI SDKs) or `x-api-key: <key>` (Anthropic SDKs).');
      });
    });

  keys
    .command('list')
    .description('List keys (never their secrets)')
    .option('--format <format>', 'table | json', (value: string) => (value === 'json' ? 'json' : 'table'), 'table' as const)
    .option('-c, --config <path>', 'config file')
    .action(async (options: { config?: string; format: 'table' | 'json' }) => {
      await withStore(options.config, async (store) => {
        const all = await listKeys(store);
        if (options.format === 'json') {
          console.log(JSON.stringify(all.map(publicKey), null, 2));
          return;
        }
        if (all.length === 0) {
          console.log('No keys yet: only callers on this machine (loopback) are accepted. Create one with `tollgate keys create --name NAME`.');
          return;
        }
        const table = new Table({ ...plainWhenPiped(), head: ['id', 'name', 'team', 'prefix', 'created', 'status', 'budget', 'limits'] });
        for (const key of all) {
          table.push([
            key.id,
            key.name,
            key.team ?? '',
            `${key.prefix}…`,
            new Date(key.createdAt).toISOString().slice(0, 16).replace('T', ' '),
            key.revokedAt === null ? 'active' : `revoked ${new Date(key.revokedAt).toISOString().slice(0, 10)}`,
            describeBudget(key.budget),
            describeLimits(key.limits),
          ]);
        }
        console.log(table.toString());
      });
    });

  keys
    .command('revoke')
    .description('Revoke a key by id or by the prefix shown in `keys list`')
    .argument('<key>', 'key id (key_…) or secret prefix (tg_…)')
    .option('-c, --config <path>', 'config file')
    .action(async (idOrPrefix: string, options: { config?: string }) => {
      await withStore(options.config, async (store) => {
        const { key, alreadyRevoked } = await revokeKey(store, idOrPrefix, Date.now());
        console.log(alreadyRevoked ? `${key.id} (${key.name}) was already revoked.` : `Revoked ${key.id} (${key.name}). Running gateways refuse it within seconds.`);
      });
    });
}

async function withStore(configPath: string | undefined, run: (store: LedgerStore) => Promise<void>): Promise<void> {
  const { config } = await loadConfig({ path: configPath });
  const store = await openLedgerStore(config.ledger.url);
  try {
    await run(store);
  } finally {
    await store.close();
  }
}

/** A key as shown to people: everything but the hash. */
function publicKey(key: StoredKey) {
  const { hash: _hash, ...rest } = key;
  return rest;
}

function describeBudget(budget: BudgetSpec | null): string {
  if (!budget) return '';
  const parts = [budget.dailyUsd !== undefined ? `$${budget.dailyUsd}/day` : '', budget.monthlyUsd !== undefined ? `$${budget.monthlyUsd}/month` : ''].filter(Boolean);
  return `${parts.join(', ')} ${budget.mode}`;
}

function describeLimits(limits: RateLimitSpec | null): string {
  if (!limits) return '';
  return [limits.requestsPerMinute !== undefined ? `${limits.requestsPerMinute} rpm` : '', limits.tokensPerMinute !== undefined ? `${limits.tokensPerMinute} tpm` : ''].filter(Boolean).join(', ');
}

function parseMode(value: string): 'hard' | 'soft' {
  if (value !== 'hard' && value !== 'soft') throw new InvalidArgumentError('expected hard or soft');
  return value;
}

function parsePositiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return number;
}
