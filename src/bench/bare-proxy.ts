import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';

/**
 * The floor for any Node gateway: node:http in, parse the JSON, set the model, undici out, bytes
 * piped back as they arrive. No validation, no translation, no error shapes. The benchmark
 * compares Tollgate against this to show what our own work costs.
 */
export async function startBareProxy(options: { upstream: string; model: string; port?: number }): Promise<{ url: string; server: Server }> {
  const dispatcher = new Agent({ connections: 256, keepAliveTimeout: 30_000 });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      body.model = options.model;
      request(`${options.upstream}${req.url ?? '/'}`, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
        dispatcher,
      }).then(
        async (upstream) => {
          res.writeHead(upstream.statusCode, { 'content-type': String(upstream.headers['content-type'] ?? 'application/json') });
          for await (const chunk of upstream.body) res.write(chunk);
          res.end();
        },
        () => {
          res.writeHead(502).end();
        },
      );
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
