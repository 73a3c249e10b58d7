import type { DrillRequest } from '../../ledger/ledger-store.js';

/**
 * What the gateway and `tollgate drill` say to each other, and how one drill request is judged.
 * The gateway makes its local targets fail (`POST /admin/drill`); the client sends real chat
 * requests through the public API and checks each answer's headers; it ends the drill with what it
 * saw (`POST /admin/drill/:id/end`), and the gateway stores that.
 */

/** The task drill requests carry (`x-tollgate-task: drill`), so the ledger's reports and the scorecard tell them apart. */
export const DRILL_TASK = 'drill';

/**
 * How the first (local) target of a drill request may have failed: refused, as the drill makes it,
 * or skipped because the refusals of earlier drill requests opened its breaker. Anything else means
 * something other than the drill failed the local target.
 */
export const DRILL_FALLBACK_REASONS: ReadonlySet<string> = new Set(['upstream_unreachable', 'breaker-open']);

/** A model to send drill requests for: its plan starts on a local target and has a cloud target after it. */
export interface DrillRoute {
  readonly model: string;
  /** The rule that routes it (`alias:kb-analysis`). */
  readonly rule: string;
  readonly targets: ReadonlyArray<{ readonly ref: string; readonly local: boolean }>;
}

/** `POST /admin/drill`'s answer: a drill that is running. */
export interface ActiveDrill {
  readonly id: string;
  /** Epoch ms. */
  readonly startedAt: number;
  /** When the gateway ends it by itself. */
  readonly endsAt: number;
  readonly maxDurationMs: number;
  /** The local providers that fail while it runs. */
  readonly localTargets: readonly string[];
  /** What to ask for: one entry per alias whose route tries a local target first. */
  readonly routes: readonly DrillRoute[];
  /** The task drill requests must carry. */
  readonly task: string;
}

/** One drill response as the client received it. */
export interface DrillResponse {
  readonly dialect: 'openai' | 'anthropic';
  readonly stream: boolean;
  /** 0 when no response came (then `body` says why). */
  readonly status: number;
  /** `x-tollgate-target`. */
  readonly target: string | null;
  /** `x-tollgate-fallback`. */
  readonly fallback: string | null;
  /** The whole body as text (JSON, or the SSE stream to its end). */
  readonly body: string;
}

/**
 * Judges one response: answered in full (200, a complete answer in the dialect) by a cloud target
 * (`x-tollgate-target` names a provider that is not one of the drill's local ones) after the route's
 * first, local, target failed the drill's way (`x-tollgate-fallback`).
 */
export function checkDrillResponse(response: DrillResponse, route: DrillRoute, localTargets: readonly string[]): { passed: boolean; reason: string | null } {
  const fail = (reason: string) => ({ passed: false, reason });
  if (response.status === 0) return fail(`no response: ${response.body}`);
  if (response.status !== 200) return fail(`HTTP ${response.status}: ${errorOf(response.body)} (the cloud did not answer either)`);
  const first = route.targets[0];
  if (!first?.local) return fail(`the route of ${route.model} does not start on a local target`);
  if (response.target === null) return fail('no x-tollgate-target header');
  const provider = response.target.slice(0, response.target.indexOf('/'));
  if (localTargets.includes(provider)) return fail(`answered by the local target ${response.target}: the drill did not make it fail`);
  if (response.fallback === null) return fail(`answered by ${response.target} with no x-tollgate-fallback: the local target ${first.ref} was not tried first`);
  if (!DRILL_FALLBACK_REASONS.has(response.fallback)) return fail(`${first.ref} failed with ${response.fallback}, not the drill's refused connection`);
  const incomplete = incompleteAnswer(response);
  if (incomplete) return fail(`answered by ${response.target}, but ${incomplete}`);
  return { passed: true, reason: null };
}

/** Why a 200 is not a complete answer in its dialect, or undefined when it is. */
function incompleteAnswer(response: DrillResponse): string | undefined {
  const { body } = response;
  if (response.stream) {
    if (response.dialect === 'openai') return /data: \[DONE\]\s*$/.test(body) && !/"error"\s*:/.test(body) ? undefined : 'the stream did not end with [DONE]';
    return /event: message_stop\n/.test(body) && !/event: error\n/.test(body) ? undefined : 'the stream did not end with message_stop';
  }
  try {
    const json = JSON.parse(body) as { choices?: Array<{ message?: { content?: unknown } }>; content?: Array<{ text?: unknown }> };
    const text = response.dialect === 'openai' ? json.choices?.[0]?.message?.content : json.content?.[0]?.text;
    return typeof text === 'string' ? undefined : 'the answer has no text';
  } catch {
    return 'the answer is not JSON';
  }
}

/** An error body's code and message, in either dialect. */
function errorOf(body: string): string {
  try {
    const json = JSON.parse(body) as { error?: { code?: unknown; type?: unknown; message?: unknown } };
    const code = json.error?.code ?? json.error?.type;
    const message = typeof json.error?.message === 'string' ? json.error.message : body.slice(0, 200);
    return typeof code === 'string' ? `${code}: ${message}` : message;
  } catch {
    return body.slice(0, 200) || 'no body';
  }
}

/** A drill's verdict from its requests, as the client sees it. */
export function summariseDrill(requests: readonly DrillRequest[]): { passed: boolean; failed: number } {
  const failed = requests.filter((request) => !request.passed).length;
  return { passed: requests.length > 0 && failed === 0, failed };
}
