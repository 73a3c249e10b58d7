import { Writable } from 'node:stream';
import Fastify, { LogController } from 'fastify';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { LazyChildLogger, lazyChildLoggerFactory } from './lazy-child-logger.js';

function capture(): { lines: Array<Record<string, unknown>>; stream: Writable } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

describe('LazyChildLogger', () => {
  it('makes no pino child until something logs, then one, with the bindings and redaction', () => {
    const { lines, stream } = capture();
    const logger = pino({ level: 'trace', redact: { paths: ['authorization'], censor: '[redacted]' } }, stream);
    const child = vi.spyOn(logger, 'child');
    const lazy = new LazyChildLogger(logger, { reqId: 'r-1' }, {});
    expect(child).not.toHaveBeenCalled();
    expect(lazy.level).toBe('trace');

    lazy.info({ authorization: 'Bearer sk-secret' }, 'first');
    lazy.warn('second %s', 'line');
    lazy.trace('third');
    lazy.silent();
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines.map((l) => [l.reqId, l.msg, l.level])).toEqual([
      ['r-1', 'first', 30],
      ['r-1', 'second line', 40],
      ['r-1', 'third', 10],
    ]);
    expect(lines[0]?.authorization).toBe('[redacted]');
  });

  it('takes the level fastify passes for a route and keeps it once made', () => {
    const { lines, stream } = capture();
    const logger = pino({ level: 'info' }, stream);
    const lazy = new LazyChildLogger(logger, { reqId: 'r-2' }, { level: 'error' });
    expect(lazy.level).toBe('error');
    lazy.info('dropped');
    lazy.error('kept');
    expect(lines.map((l) => l.msg)).toEqual(['kept']);
    lazy.level = 'debug';
    lazy.debug('now kept');
    expect(lines.map((l) => l.msg)).toEqual(['kept', 'now kept']);
  });

  it('serves as fastify request.log: a route that logs gets its request id on the line', async () => {
    const { lines, stream } = capture();
    const app = Fastify({ loggerInstance: pino({ level: 'info' }, stream), childLoggerFactory: lazyChildLoggerFactory, logController: new LogController({ disableRequestLogging: true }) });
    app.get('/quiet', async () => 'ok');
    app.get('/loud', async (request) => {
      request.log.info({ extra: 1 }, 'from the route');
      request.log.child({ step: 'inner' }).warn('nested');
      return 'ok';
    });
    await app.inject({ method: 'GET', url: '/quiet' });
    expect(lines).toEqual([]);
    const response = await app.inject({ method: 'GET', url: '/loud' });
    expect(response.statusCode).toBe(200);
    expect(lines.map((l) => [typeof l.reqId, l.msg, l.extra ?? l.step])).toEqual([
      ['string', 'from the route', 1],
      ['string', 'nested', 'inner'],
    ]);
    await app.close();
  });
});
