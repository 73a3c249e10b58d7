import pino, { type DestinationStream, type Logger } from 'pino';
import type { TollgateConfig } from '../config/index.js';

/** Where a secret could sit in a logged object: headers, provider settings, our own keys. */
const SECRET_PATHS = [
  'authorization',
  'apiKey',
  'token',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'headers["x-admin-key"]',
  '*.authorization',
  '*.apiKey',
  '*.token',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["x-api-key"]',
  '*.headers["x-admin-key"]',
  'providers.*.apiKey',
  'providers.*.headers',
  'admin.key',
  'config.admin.key',
  'config.providers.*.apiKey',
  // Node's HTTP parser attaches the raw bytes of a malformed request (headers and all) to its error;
  // fastify logs that error at trace.
  'err.rawPacket',
  '*.rawPacket',
];

/**
 * Where a caller's data could sit: a request body, a ledger record's payloads, a call's messages.
 * Nothing logs these today; the paths are the guard for the line someone adds tomorrow. With
 * `logging.prompts` on they are let through (that is what the switch is for).
 */
const PAYLOAD_PATHS = [
  'body',
  'prompt',
  'response',
  'messages',
  'req.body',
  'request.body',
  '*.prompt',
  '*.response',
  '*.messages',
];

/**
 * The gateway's pino logger: JSON lines, with keys and (unless prompt logging is on) prompts and
 * responses censored wherever a log call might put them. `destination` is for tests.
 */
export function createGatewayLogger(logging: TollgateConfig['logging'], destination?: DestinationStream): Logger {
  const options = {
    level: logging.level,
    redact: { paths: logging.prompts ? SECRET_PATHS : [...SECRET_PATHS, ...PAYLOAD_PATHS], censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
