import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, LevelWithSilentOrString } from 'pino';

type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * fastify's `request.log`, made only when something logs through it. fastify builds a pino child
 * per request by default; with redaction configured that costs ~3 µs of CPU per request (a
 * quarter of the gateway's own overhead growth since the foundation), and our code never logs
 * through `request.log`: it logs through the root logger with `reqId`. fastify itself logs
 * through it only on rare paths (an error after the reply was sent, a hook timeout). Those still
 * get a real child, with the same bindings and options, on first use.
 */
export class LazyChildLogger implements FastifyBaseLogger {
  private real: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  /** The pino child, made on the first call that needs it. */
  private logger(): FastifyBaseLogger {
    this.real ??= this.parent.child(this.bindings, this.options);
    return this.real;
  }

  get level(): LevelWithSilentOrString {
    return this.real?.level ?? (this.options.level as LevelWithSilentOrString | undefined) ?? this.parent.level;
  }

  set level(level: LevelWithSilentOrString) {
    this.logger().level = level;
  }

  // Prototype methods, not arrow fields: a logger is made per request and must stay one small object.
  fatal(obj: unknown, ...rest: unknown[]): void {
    this.log('fatal', obj, rest);
  }
  error(obj: unknown, ...rest: unknown[]): void {
    this.log('error', obj, rest);
  }
  warn(obj: unknown, ...rest: unknown[]): void {
    this.log('warn', obj, rest);
  }
  info(obj: unknown, ...rest: unknown[]): void {
    this.log('info', obj, rest);
  }
  debug(obj: unknown, ...rest: unknown[]): void {
    this.log('debug', obj, rest);
  }
  trace(obj: unknown, ...rest: unknown[]): void {
    this.log('trace', obj, rest);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger().child(bindings, options);
  }

  private log(level: LogLevel, obj: unknown, rest: unknown[]): void {
    const logger = this.logger();
    logger[level](obj, ...(rest as [string?, ...unknown[]]));
  }
}

/** fastify's `childLoggerFactory`: a lazy child per request. */
export function lazyChildLoggerFactory(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new LazyChildLogger(logger, bindings, options);
}
