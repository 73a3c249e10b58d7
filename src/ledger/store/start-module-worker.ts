import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread on the module `name` beside the caller (`callerUrl` is the caller's
 * `import.meta.url`).
 *
 * Compiled (`dist/`, what `tollgate` runs) the caller is a `.js` file and so is its sibling: a
 * plain Worker. From TypeScript sources (vitest, or any TS runner) the sibling is a `.ts` file,
 * which neither Node 20 nor vitest can run in a worker: vitest transforms only the modules of its
 * own thread. The worker then starts with a transpile-only loader (esbuild, which vitest already
 * depends on) registered through `--import`, so the worker runs the very sources under test.
 */
export function startModuleWorker(callerUrl: string, name: string, options: WorkerOptions): Worker {
  if (!new URL(callerUrl).pathname.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, callerUrl), options);
  return new Worker(new URL(`./${name}.ts`, callerUrl), {
    ...options,
    execArgv: [...(options.execArgv ?? []), '--import', typescriptLoaderUrl(callerUrl)],
  });
}

/**
 * Module hooks that load `.ts` files through esbuild's `transform` (types stripped, nothing
 * bundled) and let `./x.js` specifiers find `./x.ts`, as TypeScript's NodeNext imports are written.
 */
const TYPESCRIPT_HOOKS = `
import { readFile } from 'node:fs/promises';
let transform;
export async function initialize(data) {
  ({ transform } = await import(data.esbuildUrl));
}
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    const fromTypeScript = context.parentURL !== undefined && context.parentURL.endsWith('.ts');
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !fromTypeScript || !specifier.endsWith('.js')) throw error;
    return next(specifier.slice(0, -3) + '.ts', context);
  }
}
export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
  const source = await readFile(new URL(url), 'utf8');
  const { code } = await transform(source, { loader: 'ts', format: 'esm', target: 'node20', sourcefile: url, sourcemap: 'inline' });
  return { format: 'module', source: code, shortCircuit: true };
}
`;

function typescriptLoaderUrl(callerUrl: string): string {
  let esbuildUrl: string;
  try {
    esbuildUrl = pathToFileURL(createRequire(callerUrl).resolve('esbuild')).href;
  } catch (error) {
    throw new Error(`Running ${callerUrl} from TypeScript sources needs the esbuild package to start its worker thread; build with \`npm run build\` and run dist/ instead.`, { cause: error });
  }
  const hooksUrl = `data:text/javascript,${encodeURIComponent(TYPESCRIPT_HOOKS)}`;
  const register = `import { register } from 'node:module'; register(${JSON.stringify(hooksUrl)}, { data: { esbuildUrl: ${JSON.stringify(esbuildUrl)} } });`;
  return `data:text/javascript,${encodeURIComponent(register)}`;
}
