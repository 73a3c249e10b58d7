import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { BudgetGuard } from '../../auth/budget-guard.js';
import { NotFoundError } from '../../core/index.js';
import type { Ledger } from '../../ledger/ledger.js';
import type { MonitorView } from '../../monitor/monitor-view.js';
import type { GatewayRuntime } from '../gateway-runtime.js';
import { authorizeAdmin, isLoopback } from '../routes/admin.js';
import { dashboardData, type DashboardData } from './dashboard-data.js';

export interface DashboardDeps {
  readonly runtime: GatewayRuntime;
  readonly ledger: Ledger;
  readonly budgets: Pick<BudgetGuard, 'state'>;
  readonly now: () => number;
  /** Target health and uptime; without it the page says uptime is not measured. */
  readonly monitor?: MonitorView;
}

/** A file served from memory: read once at start, so a request never touches the disk. */
interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
  readonly cacheControl: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
};

/** How long one computed document answers polls. */
const REUSE_MS = 1000;

/** Our own files change with the gateway and keep their names: the browser revalidates (ETag) each time. */
const REVALIDATE = 'no-cache';
/** Vendor files are served under their version, so a URL's content never changes. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * `GET /dashboard`: one static page (plain ES modules, no build step) with uPlot for the charts,
 * and `GET /api/dashboard`, the one JSON document it polls. The page itself holds no data and needs
 * no key; the API is behind the admin key like every other admin endpoint (without a key:
 * loopback callers only). The HTML tells the page which of the two applies, so it can ask for the
 * key before its first call instead of after a refused one.
 */
export function registerDashboardRoutes(app: FastifyInstance, deps: DashboardDeps): void {
  const guard = async (request: FastifyRequest) => authorizeAdmin(request, deps.runtime.snapshot.config.admin.key);

  // Every open tab polls: concurrent polls share one computation, and a document is reused for
  // a second (about 100 ms of rollup reads on a 10-million-record SQLite ledger), so the cost is
  // bounded by time, not by how many people watch.
  let computing: Promise<DashboardData> | undefined;
  let latest: { readonly data: DashboardData; readonly at: number } | undefined;
  const compute = async (): Promise<DashboardData> => {
    await deps.ledger.flush().catch(() => undefined); // include what was just answered; a failing store still answers with what it has
    const config = deps.runtime.snapshot.config;
    return dashboardData({
      store: deps.ledger.store,
      now: deps.now(),
      monthlyAmortizationUsd: deps.runtime.snapshot.priceBook.monthlyAmortizationUsd(),
      gpuPriceUsd: config.pricing.local.hardware?.priceUsd ?? null,
      budgets: deps.budgets.state(),
      ...(deps.monitor ? { monitor: deps.monitor } : {}),
    });
  };
  app.get('/api/dashboard', { onRequest: guard }, async (_request, reply) => {
    void reply.header('cache-control', 'no-store');
    const at = deps.now();
    if (latest && at >= latest.at && at - latest.at < REUSE_MS) return latest.data;
    computing ??= compute()
      .then((data) => {
        latest = { data, at };
        return data;
      })
      .finally(() => {
        computing = undefined;
      });
    return computing;
  });

  const assets = loadAssets();
  if (!assets) {
    app.log.warn({ dir: PUBLIC_DIR }, 'dashboard: its files are missing (run `npm run build`); /dashboard answers 404');
    const missing = async () => {
      throw new NotFoundError(`The dashboard's files are missing from ${PUBLIC_DIR}; rebuild the gateway (npm run build).`);
    };
    app.get('/dashboard', missing);
    return;
  }

  const page = async (request: FastifyRequest, reply: FastifyReply) => {
    const login = deps.runtime.snapshot.config.admin.key !== undefined ? 'key' : isLoopback(request.socket.remoteAddress) ? 'open' : 'denied';
    return reply
      .headers({ 'content-type': CONTENT_TYPES['.html'], 'cache-control': 'no-store', ...SECURITY_HEADERS, 'content-security-policy': assets.csp })
      .send(assets.html.replace('__LOGIN__', login));
  };
  app.get('/dashboard', page);
  app.get('/dashboard/', page);
  for (const [path, asset] of assets.files) {
    app.get(path, async (request, reply) => {
      void reply.headers({ 'content-type': asset.type, 'cache-control': asset.cacheControl, etag: asset.etag, ...SECURITY_HEADERS });
      if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
      return reply.send(asset.body);
    });
  }
}

const SECURITY_HEADERS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' } as const;

/** In the source tree and, copied by the build, next to the compiled module in dist/. */
const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

interface Assets {
  /** index.html with the uPlot version filled in; `__LOGIN__` is filled per request. */
  readonly html: string;
  readonly csp: string;
  /** URL path → file. */
  readonly files: ReadonlyMap<string, Asset>;
}

function loadAssets(): Assets | undefined {
  if (!existsSync(join(PUBLIC_DIR, 'index.html'))) return undefined;
  const files = new Map<string, Asset>();
  const add = (path: string, body: Buffer, cacheControl: string) => {
    const type = CONTENT_TYPES[extname(path)] ?? 'application/octet-stream';
    files.set(path, { body, type, cacheControl, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  };
  for (const name of readdirSync(PUBLIC_DIR)) {
    if (name !== 'index.html') add(`/dashboard/${name}`, readFileSync(join(PUBLIC_DIR, name)), REVALIDATE);
  }

  const require = createRequire(import.meta.url);
  const uplotDist = dirname(require.resolve('uplot/dist/uPlot.esm.js'));
  const { version } = JSON.parse(readFileSync(join(uplotDist, '..', 'package.json'), 'utf8')) as { version: string };
  const vendor = `/dashboard/vendor/uplot@${version}`;
  add(`${vendor}/uPlot.esm.js`, readFileSync(join(uplotDist, 'uPlot.esm.js')), IMMUTABLE);
  add(`${vendor}/uPlot.min.css`, readFileSync(join(uplotDist, 'uPlot.min.css')), IMMUTABLE);

  const html = readFileSync(join(PUBLIC_DIR, 'index.html'), 'utf8').replaceAll('__UPLOT__', vendor);
  // The import map is the page's one inline script: allowed by its hash, nothing else inline is.
  const inline = [...html.matchAll(/<script type="importmap">([\s\S]*?)<\/script>/g)].map((match) => `'sha256-${createHash('sha256').update(match[1]!).digest('base64')}'`);
  const csp = [
    "default-src 'self'",
    `script-src 'self' ${inline.join(' ')}`.trim(),
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, csp, files };
}
