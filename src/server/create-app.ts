import { newRequestId } from './request-id.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest, type RawServerDefault } from 'fastify';
import type { Logger } from 'pino';
import { createGatewayLogger } from './gateway-logger.js';
import { lazyChildLoggerFactory } from './lazy-child-logger.js';
import { InvalidRequestError, NotFoundError } from '../core/index.js';
import type { GatewayRuntime } from './gateway-runtime.js';
import type { Dialect } from './dialects/dialect.js';
import { openAIDialect } from './dialects/openai/openai-dialect.js';
import { anthropicDialect } from './dialects/anthropic/anthropic-dialect.js';
import { createChatHandler } from './chat-handler.js';
import { ExecutionError } from '../execution/executor.js';
import { normaliseError } from './http-errors.js';
import { registerModelRoutes } from './routes/models.js';
import { registerEmbeddingRoutes } from './routes/embeddings.js';
import { registerCountTokensRoute } from './routes/count-tokens.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerExplainRoute } from './routes/explain.js';
import { RequestAccount, type Accounting } from './request-account.js';
import type { AuthRequest, Authenticator, BudgetGuard, Caller, RateLimiter } from '../auth/index.js';
import { registerUsageRoutes } from './routes/usage.js';
import { registerStatusRoutes } from './routes/status.js';
import type { MonitorView } from '../monitor/monitor-view.js';
import { registerMetricsRoute } from './routes/metrics.js';
import { GatewayMetrics } from '../monitor/gateway-metrics.js';
import { registerDashboardRoutes } from './dashboard/dashboard-routes.js';
import { registerPlanRoutes } from './routes/plan.js';
import { registerScorecardRoute } from './routes/scorecard.js';
import { registerDrillRoutes } from './routes/drill.js';

export interface AppDeps {
  /** The live config, providers, router and executor; swapped on reload. */
  readonly runtime: GatewayRuntime;
  /** Re-reads and validates the config for `POST /admin/reload` and SIGHUP; absent = reload unsupported. */
  readonly reloadConfig?: () => Promise<void>;
  readonly logger?: Logger;
  /** Milliseconds since the epoch; injected so tests control time. */
  readonly now?: () => number;
  /** Request id generator; injected so tests are deterministic. */
  readonly newId?: () => string;
  /** The ledger and pricing: every model request becomes one record. */
  readonly accounting: Omit<Accounting, 'logger' | 'now'>;
  /** Who may call (keys), how much they may spend (budgets) and how fast (rate limits). */
  readonly auth: GatewayAuth;
  /** Live state and uptime of every target (`/ready`, `/api/status`, `/api/uptime`). */
  readonly monitor: MonitorView;
}

export interface GatewayAuth {
  readonly authenticator: Authenticator;
  readonly budgets: BudgetGuard;
  readonly rateLimiter: RateLimiter;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Which client dialect a route speaks; errors are written in it. */
    dialect?: Dialect;
    /** Routes whose every request gets a ledger record. */
    ledger?: 'chat' | 'embeddings';
  }
  interface FastifyRequest {
    /** The request's ledger account, on ledgered routes. */
    account: RequestAccount | undefined;
    /** Who is calling, once authenticated (ledgered routes). */
    caller: Caller | undefined;
  }
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Builds the HTTP app. It does not listen; `serve` (or a test) does. */
export async function createApp(deps: AppDeps): Promise<FastifyInstance> {
  // Settings fixed for the process's life (the listener and its limits); the rest follows reloads.
  const config = deps.runtime.snapshot.config;
  const logger = deps.logger ?? createGatewayLogger(config.logging);
  const now = deps.now ?? Date.now;
  const newId = deps.newId ?? newRequestId;
  const bodyLimit = config.server.bodyLimit;

  const app = Fastify<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger>({
    loggerInstance: logger,
    // One line per request comes from the ledger later; fastify's two info lines per request would double it.
    logController: new LogController({ disableRequestLogging: true }),
    // request.log is made only if something logs through it (our code logs through `logger`).
    childLoggerFactory: lazyChildLoggerFactory,
    bodyLimit,
    // Honour a caller's correlation id when it is a sane token; otherwise mint one.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : newId();
    },
    requestTimeout: 0,
    keepAliveTimeout: 72_000,
    return503OnClosing: true,
  });

  // Every body is JSON, whatever Content-Type the client claimed (curl -d sends form-urlencoded);
  // a parse failure is a 400 in the client's dialect, not a framework error page.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim().length === 0) {
      done(new InvalidRequestError('The request body is empty; send a JSON object.', { code: 'invalid_json' }), undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(new InvalidRequestError(`The request body is not valid JSON: ${(error as Error).message}`, { code: 'invalid_json' }), undefined);
    }
  });

  const { authenticator, rateLimiter } = deps.auth;
  const accounting: Accounting = {
    ...deps.accounting,
    logger,
    now,
    // Tokens per minute are charged once the call's tokens are known.
    onRecorded: (record, caller) => {
      const tokens = record.tokens.inputUncached + record.tokens.cacheRead + record.tokens.cacheWrite + record.tokens.outputText + record.tokens.outputReasoning;
      if (caller && tokens > 0 && rateLimiter.applies(caller)) void rateLimiter.recordTokens(caller, tokens);
    },
  };
  app.decorateRequest('account', undefined);
  app.decorateRequest('caller', undefined);
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    const { ledger: endpoint, dialect } = request.routeOptions.config;
    if (!endpoint || !dialect) {
      done();
      return;
    }
    // Created before anything can fail, so a refused or malformed request is recorded too.
    const account = new RequestAccount(accounting, request.id, dialect.name, endpoint, reply);
    request.account = account;
    const apiKey = request.headers['x-api-key'];
    const credentials: { -readonly [K in keyof AuthRequest]: AuthRequest[K] } = { remoteAddress: request.socket.remoteAddress };
    if (request.headers.authorization !== undefined) credentials.authorization = request.headers.authorization;
    if (typeof apiKey === 'string') credentials.xApiKey = apiKey;
    const admit = (caller: Caller) => {
      request.caller = caller;
      account.caller = caller;
      account.keyId = caller.keyId;
      account.team = caller.team;
    };
    // The common case decides synchronously: a cached key (or no keys, on loopback) and no rate
    // limit. Only a store lookup or a limiter makes this hook wait.
    const known = authenticator.authenticateNow(credentials);
    if (known && !rateLimiter.applies(known)) {
      admit(known);
      done();
      return;
    }
    (async () => {
      const caller = known ?? (await authenticator.authenticate(credentials));
      admit(caller);
      if (rateLimiter.applies(caller)) await rateLimiter.admit(caller);
    })().then(() => done(), done);
  });

  app.setErrorHandler((error, request, reply) => {
    const gatewayError = normaliseError(error, bodyLimit);
    if (request.account && !request.account.error) request.account.error = gatewayError;
    if (gatewayError.code === 'client_aborted') {
      logger.info({ reqId: request.id }, 'client closed the connection');
      if (!reply.raw.destroyed) reply.raw.destroy();
      return;
    }
    // Our own bugs get the stack; upstream failures and bad requests are facts, logged as one line.
    const ours = gatewayError.code === 'internal_error';
    const log = ours ? 'error' : gatewayError.status >= 500 ? 'warn' : 'info';
    // A message about an invalid request may quote it (V8's JSON errors, our validation, an
    // upstream's 400): the client reads it, the log says only where, unless prompts are logged.
    const quotes = (gatewayError.code === 'invalid_request' || gatewayError.code === 'invalid_json') && !config.logging.prompts;
    const fields = { reqId: request.id, code: gatewayError.code, status: gatewayError.status, ...(gatewayError.param !== undefined ? { param: gatewayError.param } : {}) };
    logger[log]({ ...fields, ...(ours ? { err: error } : {}) }, quotes ? 'invalid request (message withheld: it may quote the request)' : gatewayError.message);
    const dialect = dialectFor(request);
    const { status, body, headers } = dialect.errorResponse(gatewayError, request.id);
    if (gatewayError instanceof ExecutionError) {
      // Every target failed or was skipped: say how many were tried, as successful answers do.
      headers['x-tollgate-attempts'] = String(gatewayError.attempts.filter((attempt) => attempt.outcome !== 'skipped').length);
    }
    void reply.code(status).headers(headers).send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    const error = new NotFoundError(`No route for ${request.method} ${request.url.split('?')[0]}.`);
    const { status, body, headers } = dialectFor(request).errorResponse(error, request.id);
    void reply.code(status).headers(headers).send(body);
  });

  const { runtime } = deps;
  const chatDeps = { runtime, logger, now, budgets: deps.auth.budgets, rateLimiter, logPrompts: config.logging.prompts };

  app.post('/v1/chat/completions', { config: { dialect: openAIDialect, ledger: 'chat' } }, createChatHandler(openAIDialect, chatDeps));
  app.post('/v1/messages', { config: { dialect: anthropicDialect, ledger: 'chat' } }, createChatHandler(anthropicDialect, chatDeps));
  registerCountTokensRoute(app, { runtime });
  registerEmbeddingRoutes(app, { runtime, budgets: deps.auth.budgets });
  registerModelRoutes(app, { runtime, now });
  registerExplainRoute(app, { runtime });
  registerUsageRoutes(app, { runtime, ledger: deps.accounting.ledger, now, monthlyAmortizationUsd: () => runtime.snapshot.priceBook.monthlyAmortizationUsd() });
  // Request metrics come from the ledger's records: counted once, where the record is made.
  const metrics = new GatewayMetrics({ runtime, ledger: deps.accounting.ledger, monitor: deps.monitor });
  deps.accounting.ledger.observe(metrics.observe);
  registerMetricsRoute(app, { runtime, metrics });
  registerDashboardRoutes(app, { runtime, ledger: deps.accounting.ledger, budgets: deps.auth.budgets, monitor: deps.monitor, now });
  registerAdminRoutes(app, { runtime, logger, ...(deps.reloadConfig ? { reloadConfig: deps.reloadConfig } : {}) });
  registerStatusRoutes(app, { runtime, monitor: deps.monitor, ledger: deps.accounting.ledger, now });
  registerPlanRoutes(app, { runtime, ledger: deps.accounting.ledger, now });
  registerScorecardRoute(app, { runtime, ledger: deps.accounting.ledger, monitor: deps.monitor, now });
  registerDrillRoutes(app, { runtime, store: deps.accounting.ledger.store, logger, now });

  return app;
}

/** The dialect errors are written in: the route's, else guessed from the path and headers. */
function dialectFor(request: FastifyRequest): Dialect {
  const fromRoute = request.routeOptions.config.dialect;
  if (fromRoute) return fromRoute;
  return request.url.startsWith('/v1/messages') || request.headers['anthropic-version'] !== undefined ? anthropicDialect : openAIDialect;
}

