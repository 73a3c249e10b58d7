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
export class LazyChildLogger {
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
  fatal(...args: unknown[]): void {
    this.log('fatal', args);
  }
  error(...args: unknown[]): void {
    this.log('error', args);
  }
  warn(...args: unknown[]): void {
    this.log('warn', args);
  }
  info(...args: unknown[]): void {
    this.log('info', args);
  }
  debug(...args: unknown[]): void {
    this.log('debug', args);
  }
  trace(...args: unknown[]): void {
    this.log('trace', args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger().child(bindings, options);
  }

  private log(level: LogLevel, args: unknown[]): void {
    const logger = this.logger();
    (logger[level] as (...a: unknown[]) => void).apply(logger, args);
  }
}

/** fastify's `childLoggerFactory`: a lazy child per request. */
export function lazyChildLoggerFactory(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  // pino's LogFn is an overloaded signature a class method cannot declare; the methods take what it takes.
  return new LazyChildLogger(logger, bindings, options) as unknown as FastifyBaseLogger;
}
