import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import { AuthenticationError, InvalidRequestError, NotFoundError, PermissionDeniedError } from '../../core/index.js';
import { ConfigError } from '../../config/index.js';
import type { GatewayRuntime } from '../gateway-runtime.js';

const modeBody = z.object({ mode: z.enum(['auto', 'cloud-only', 'local-only']).nullable() }).strict();

/**
 * The operator's controls. `PUT /admin/mode` is the kill switch: it changes routing for every new
 * request at once, no restart. `POST /admin/reload` re-reads the config; a bad file is rejected
 * with its errors and the running config stays.
 */
export function registerAdminRoutes(app: FastifyInstance, deps: { runtime: GatewayRuntime; logger: Logger; reloadConfig?: () => Promise<void> }): void {
  const { runtime } = deps;
  const guard = async (request: FastifyRequest) => authorizeAdmin(request, runtime.snapshot.config.admin.key);

  app.get('/admin/mode', { onRequest: guard }, async () => modeState(runtime));

  app.put('/admin/mode', { onRequest: guard }, async (request) => {
    const parsed = modeBody.safeParse(request.body);
    if (!parsed.success) throw new InvalidRequestError('Expected {"mode": "auto" | "cloud-only" | "local-only" | null} (null returns to the configured mode).', { param: 'mode' });
    runtime.setMode(parsed.data.mode ?? undefined);
    deps.logger.warn({ reqId: request.id, mode: runtime.mode, by: request.ip }, 'routing mode changed');
    return modeState(runtime);
  });

  app.post('/admin/reload', { onRequest: guard }, async () => {
    if (!deps.reloadConfig) throw new NotFoundError('This gateway was started without a reloadable config.');
    try {
      await deps.reloadConfig();
    } catch (error) {
      // A bad file is the operator's mistake, not ours: say what is wrong; the running config stays.
      if (error instanceof ConfigError) throw new InvalidRequestError(`Reload rejected; the running configuration stays. ${error.message}`);
      throw error;
    }
    return { reloaded: true, ...modeState(runtime) };
  });
}

function modeState(runtime: GatewayRuntime) {
  return { mode: runtime.mode, configured: runtime.snapshot.config.routing.mode, overridden: runtime.modeOverridden };
}

/** With an admin key: `Authorization: Bearer <key>` or `x-admin-key`. Without one: loopback callers only. */
export function authorizeAdmin(request: FastifyRequest, adminKey: string | undefined): void {
  if (adminKey === undefined) {
    if (!isLoopback(request.socket.remoteAddress)) throw new PermissionDeniedError('No admin key is configured, so admin endpoints accept loopback callers only.');
    return;
  }
  const given = bearer(request.headers.authorization) ?? request.headers['x-admin-key'];
  if (typeof given !== 'string' || !sameSecret(given, adminKey)) throw new AuthenticationError('This endpoint needs the admin key.');
}

export function bearer(header: string | undefined): string | undefined {
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
}

/** Constant-time comparison (of digests, so lengths do not leak either). */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1' || (address?.startsWith('127.') ?? false);
}
