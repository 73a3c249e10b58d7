import { InvalidArgumentError, type Command } from 'commander';
import Table from 'cli-table3';
import { runDrill } from '../../planning/scorecard/run-drill.js';
import { plainWhenPiped } from '../shared.js';

interface DrillOptions {
  url: string;
  adminKey?: string;
  key?: string;
  requests: number;
  maxDuration: number;
}

/**
 * `tollgate drill`: proves automatic fallback on a running gateway. The gateway makes its local
 * targets fail as a stopped GPU box would; real requests go through it; each must come back from
 * the cloud after the local target failed. The result is stored for the trial scorecard. Exits 1
 * when the drill failed.
 */
export function registerDrillCommand(program: Command): void {
  program
    .command('drill')
    .description('Fallback drill: make the running gateway\'s local targets fail for a moment, check real requests are answered by the cloud, record the result')
    .option('--url <url>', 'the running gateway', process.env.TOLLGATE_URL ?? 'http://127.0.0.1:4000')
    .option('--admin-key <key>', 'admin key (default: $TOLLGATE_ADMIN_KEY)', process.env.TOLLGATE_ADMIN_KEY)
    .option('--key <key>', 'gateway API key for the requests, when keys are in use (default: $TOLLGATE_API_KEY)', process.env.TOLLGATE_API_KEY)
    .option('--requests <n>', 'chat requests to send (OpenAI and Anthropic dialect in turn, half of them streamed)', parseCount, 5)
    .option('--max-duration <seconds>', 'the gateway ends the drill by itself after this, even if this command dies', parseSeconds, 60)
    .action(async (options: DrillOptions) => {
      const table = new Table({ ...plainWhenPiped(), head: ['#', 'dialect', 'model', 'answered by', 'fallback reason', 'ms', 'result'] });
      const outcome = await runDrill({
        url: options.url,
        ...(options.adminKey ? { adminKey: options.adminKey } : {}),
        ...(options.key ? { apiKey: options.key } : {}),
        requests: options.requests,
        maxDurationMs: options.maxDuration * 1000,
        onStart: (drill) => {
          const until = new Date(drill.endsAt).toISOString().slice(11, 19);
          console.log(`Drill ${drill.id}: local targets ${drill.localTargets.join(', ')} refuse connections until it ends (at the latest ${until}Z).`);
        },
        onRequest: (request, index) => {
          table.push([
            String(index + 1),
            `${request.dialect}${request.stream ? ' stream' : ''}`,
            request.model,
            request.target ?? (request.status === 0 ? 'no response' : `HTTP ${request.status}`),
            request.fallback ?? '–',
            request.latencyMs.toFixed(0),
            request.passed ? 'ok' : `FAILED: ${request.reason ?? ''}`,
          ]);
        },
      });
      if (outcome.requests.length > 0) console.log(table.toString());
      const { record } = outcome;
      if (record) {
        const answered = outcome.requests.filter((request) => request.passed).length;
        console.log(
          record.passed
            ? `Drill ${record.id} passed: ${answered} of ${outcome.requests.length} requests answered by the cloud after the local target failed. Local targets restored; result recorded.`
            : `Drill ${record.id} FAILED: ${record.reason ?? 'see above'}. Local targets restored; result recorded.`,
        );
      }
      if (outcome.error) console.error(outcome.error);
      if (!record?.passed) process.exitCode = 1;
    });
}

function parseCount(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1 || count > 1000) throw new InvalidArgumentError('expected a whole number from 1 to 1000');
  return count;
}

function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600) throw new InvalidArgumentError('expected seconds, more than 0 and at most 600');
  return seconds;
}
