import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, chown, constants, mkdtemp, open, readdir, readFile, rm } from 'node:fs/promises';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

export interface TestPostgres {
  /** A fresh, empty database on the server. */
  readonly url: string;
  /** Another fresh, empty database on the same server (one per test keeps tests apart). */
  newDatabase(): Promise<string>;
  /** Stops the server and deletes its files (or, on a server we did not start, drops our databases). */
  stop(): Promise<void>;
}

const run = promisify(execFile);

/**
 * A real, throwaway PostgreSQL for tests. With `TOLLGATE_TEST_PG_URL` set, databases are created on
 * that server. Otherwise a private server is started from the installed binaries: `initdb` into a
 * temp dir, `postgres` on a free loopback port with fsync off, its socket in the same dir. As root
 * (containers, CI) both run as the `postgres` system user, since initdb refuses to run as root.
 * Missing binaries are an error, never a skipped test.
 */
export async function startPostgres(): Promise<TestPostgres> {
  const external = process.env['TOLLGATE_TEST_PG_URL'];
  return external ? onExternalServer(external) : await startLocalServer();
}

async function onExternalServer(adminUrl: string): Promise<TestPostgres> {
  const created: string[] = [];
  const newDatabase = async (): Promise<string> => {
    const name = `tollgate_test_${process.pid}_${randomBytes(4).toString('hex')}`;
    await withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
    created.push(name);
    return withDatabase(adminUrl, name);
  };
  const url = await newDatabase();
  return {
    url,
    newDatabase,
    stop: async () => {
      await withClient(adminUrl, async (client) => {
        for (const name of created.splice(0)) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      });
    },
  };
}

async function startLocalServer(): Promise<TestPostgres> {
  const bin = await findPostgresBin();
  const asRoot = process.getuid?.() === 0;
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-pg-'));
  const data = join(dir, 'data');
  const command = (program: string, args: string[]): [string, string[]] => (asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, program), ...args]] : [join(bin, program), args]);

  let server: ChildProcess | undefined;
  const removeOnExit = (): void => {
    // The test process is ending without stop(): do not leave a server behind.
    const pid = postmasterPid(data, server);
    if (pid !== undefined) process.kill(pid, 'SIGQUIT');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', removeOnExit);
  try {
    if (asRoot) {
      const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]).catch((error: unknown) => {
        throw new Error('Running as root, the test PostgreSQL runs as the `postgres` user, which does not exist. Install Debian\'s `postgresql` package.', { cause: error });
      });
      await chown(dir, Number(uid.stdout.trim()), Number(gid.stdout.trim()));
    }
    const [initdb, initdbArgs] = command('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
    await run(initdb, initdbArgs).catch((error: unknown) => {
      const stderr = typeof error === 'object' && error !== null && 'stderr' in error ? String(error.stderr) : '';
      throw new Error(`initdb failed: ${stderr || String(error)}`, { cause: error });
    });

    const port = await freePort();
    const log = await open(join(dir, 'postgres.log'), 'a');
    const [postgres, args] = command('postgres', [
      '-D', data,
      '-p', String(port),
      '-k', dir,
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'fsync=off',
      '-c', 'synchronous_commit=off',
      '-c', 'full_page_writes=off',
    ]);
    server = spawn(postgres, args, { stdio: ['ignore', log.fd, log.fd] });
    await log.close();
    const exited = new Promise<number | null>((resolve) => server?.once('exit', resolve));

    const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
    await waitUntilAccepting(adminUrl, exited, join(dir, 'postgres.log'));
    let databases = 0;
    const newDatabase = async (): Promise<string> => {
      const name = `tollgate_test_${++databases}`;
      await withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
      return withDatabase(adminUrl, name);
    };
    const url = await newDatabase();

    let stopped: Promise<void> | undefined;
    const stop = async (): Promise<void> => {
      const pid = postmasterPid(data, server);
      if (pid !== undefined) {
        process.kill(pid, 'SIGINT'); // fast shutdown: ends sessions, no checkpoint wait worth having here
        const timer = setTimeout(() => process.kill(pid, 'SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      process.removeListener('exit', removeOnExit);
      await rm(dir, { recursive: true, force: true });
    };
    return { url, newDatabase, stop: () => (stopped ??= stop()) };
  } catch (error) {
    process.removeListener('exit', removeOnExit);
    removeOnExit();
    throw error;
  }
}

/** Debian's versioned dir (newest first), else PATH. */
async function findPostgresBin(): Promise<string> {
  const candidates: string[] = [];
  const versions = await readdir('/usr/lib/postgresql').catch(() => [] as string[]);
  versions.sort((a, b) => Number(b) - Number(a));
  for (const version of versions) candidates.push(join('/usr/lib/postgresql', version, 'bin'));
  candidates.push(...(process.env['PATH'] ?? '').split(delimiter).filter((entry) => entry !== ''));
  for (const dir of candidates) {
    if ((await isExecutable(join(dir, 'initdb'))) && (await isExecutable(join(dir, 'postgres')))) return dir;
  }
  throw new Error(
    'PostgreSQL server binaries (initdb, postgres) not found in /usr/lib/postgresql/*/bin or on PATH. ' +
      "Install Debian's `postgresql` package (apt-get install -y postgresql), or set TOLLGATE_TEST_PG_URL to a server the tests may create databases on.",
  );
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitUntilAccepting(url: string, exited: Promise<number | null>, logFile: string): Promise<void> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await withClient(url, (client) => client.query('SELECT 1'));
      return;
    } catch (error) {
      if (gone || Date.now() > deadline) {
        const log = await readFile(logFile, 'utf8').catch(() => '');
        throw new Error(`The test PostgreSQL did not start${gone ? ' (it exited)' : ' within 30 s'}:\n${log.slice(-4000)}`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * The server's own pid, from the pid file it writes as it starts: under runuser the child we
 * spawned is runuser, not postgres. Undefined once the server is gone.
 */
function postmasterPid(data: string, server: ChildProcess | undefined): number | undefined {
  if (server === undefined || server.exitCode !== null || server.signalCode !== null) return undefined;
  try {
    const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n', 1)[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined; // not written yet: the server has not started
  }
}
