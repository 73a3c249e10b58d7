import type { ServerResponse } from 'node:http';

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  // Tell reverse proxies (nginx) not to buffer: tokens must reach the client as they are made.
  'x-accel-buffering': 'no',
} as const;

/**
 * Writes text to a response, waiting for 'drain' when the socket's buffer is full so a slow
 * client cannot make us buffer a whole answer in memory. Resolves false if the client went away.
 */
export function writeWithBackpressure(res: ServerResponse, text: string): Promise<boolean> | boolean {
  if (res.destroyed || res.writableEnded) return false;
  if (res.write(text)) return true;
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}
