import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { CallWarning, ChatCall, GatewayError, RequestMeta, RoutePlan, RouteTarget, Usage } from '../core/index.js';
import type { Attempt, ExecutionReport } from '../execution/executor.js';
import type { Ledger } from '../ledger/ledger.js';
import type { LedgerOutcome, LedgerRecord, LedgerTokens } from '../ledger/ledger-record.js';
import type { Caller } from '../auth/index.js';
import { buildLedgerRecord, generationMsFromUsage, NO_TOKENS, tokensFromUsage, usageNeedsEstimate, type RecordPricing } from '../ledger/build-ledger-record.js';
import { estimateInputTokens, estimateOutputTokens } from '../ledger/estimate-tokens.js';

/** What the ledger needs from the server: where records go and how they are priced. */
export interface Accounting {
  readonly ledger: Ledger;
  readonly pricing: RecordPricing;
  readonly logger: Logger;
  readonly now: () => number;
  /** Keep prompts and responses with the records (off by default). */
  readonly storePayloads: boolean;
  /** Called after each record is handed to the ledger, with who made the request (token rate limits). */
  readonly onRecorded?: (record: LedgerRecord, caller: Caller | undefined) => void;
}

/**
 * One request's facts as they become known, turned into exactly one ledger record when the
 * request is over: when the handler has settled AND the response is closed (a client that leaves
 * mid-call is recorded once the upstream call has been cut, with what it had cost by then), or at
 * close alone when no handler ran (bad JSON, oversized body, refused key).
 */
export class RequestAccount {
  readonly ts: number;
  keyId: string | null = null;
  team: string | null = null;
  caller: Caller | undefined;
  stream = false;
  requestedModel: string | null = null;
  meta: RequestMeta | undefined;
  plan: RoutePlan | undefined;
  call: ChatCall | undefined;
  /** Set from an execution report, or from the attempts of a failed execution. */
  attempts: readonly Attempt[] = [];
  target: RouteTarget | undefined;
  fallbackReason: string | undefined;
  cache: 'hit' | 'miss' | null = null;
  usage: Usage | undefined;
  /** Usage an upstream reported when its stream started (Anthropic's input counts), for a stream that never finished. */
  startUsage: Usage | undefined;
  /** Generated text and tool-call pieces, kept only so missing usage can be estimated. */
  readonly output: string[] = [];
  ttftMs: number | null = null;
  /** An error the client got instead of an answer, or in-band after a stream started. */
  error: GatewayError | undefined;
  /** True when a stream ended with an in-band error after it started. */
  streamFailed = false;
  readonly warnings: string[] = [];
  response: unknown;
  private handlerRunning = false;
  private handlerDone = false;
  private closed = false;
  private recorded = false;

  constructor(
    private readonly accounting: Accounting,
    readonly id: string,
    readonly dialect: 'openai' | 'anthropic',
    readonly endpoint: 'chat' | 'embeddings',
    private readonly reply: FastifyReply,
  ) {
    this.ts = accounting.now();
    reply.raw.once('close', () => {
      this.closed = true;
      if (!this.handlerRunning || this.handlerDone) this.finish();
    });
  }

  /** The handler took the request; the record waits for it to settle. */
  enter(): void {
    this.handlerRunning = true;
  }

  /** The handler is done (answered, failed or was aborted). */
  leave(): void {
    this.handlerDone = true;
    if (this.closed) this.finish();
  }

  report(report: ExecutionReport): void {
    this.attempts = report.attempts;
    this.target = report.target;
    this.fallbackReason = report.fallbackReason;
  }

  addWarnings(warnings: ReadonlyArray<CallWarning>): void {
    for (const warning of warnings) this.warnings.push(`${warning.setting}: ${warning.message}`);
  }

  /** Milliseconds since the request arrived. */
  elapsed(): number {
    return this.accounting.now() - this.ts;
  }

  private finish(): void {
    if (this.recorded) return;
    this.recorded = true;
    // Nearly always every count is known and the record is built at once; estimating loads a tokenizer.
    const latencyMs = this.elapsed();
    const usage = this.billedUsage();
    const needs = usage === null ? { input: false, output: false } : usageNeedsEstimate(usage);
    if (!needs.input && !needs.output) {
      this.deliver(this.build(latencyMs, usage === null ? NO_TOKENS : tokensFromUsage(usage)));
      return;
    }
    this.estimate(needs).then(
      (estimate) => this.deliver(this.build(latencyMs, tokensFromUsage(usage ?? undefined, estimate))),
      (error: unknown) => this.accounting.logger.error({ err: error, reqId: this.id }, 'ledger: could not build the record'),
    );
  }

  private deliver(record: LedgerRecord): void {
    this.accounting.ledger.record(record);
    this.accounting.onRecorded?.(record, this.caller);
  }

  /**
   * The usage to bill, or null when nothing is billable: nobody was called, or the cache answered.
   * A call that reached an upstream is billed whatever happened next. Output counts at a stream's
   * start are placeholders, so only its input counts are kept.
   */
  private billedUsage(): Usage | undefined | null {
    if (this.target === undefined || this.cache === 'hit') return null;
    return this.usage ?? (this.startUsage ? { inputTokens: this.startUsage.inputTokens, outputTokens: {} } : undefined);
  }

  private async estimate(needs: { input: boolean; output: boolean }): Promise<{ input?: number; output?: number }> {
    const estimate: { input?: number; output?: number } = {};
    if (needs.input && this.call) estimate.input = await estimateInputTokens(this.call);
    if (needs.output) estimate.output = await estimateOutputTokens(this.output);
    return estimate;
  }

  private outcome(): LedgerOutcome {
    const res = this.reply.raw;
    if (this.error?.code === 'client_aborted' || !res.writableFinished) return 'client_aborted';
    if (this.streamFailed) return 'partial';
    return this.error || res.statusCode >= 400 ? 'error' : 'ok';
  }

  private build(latencyMs: number, tokens: LedgerTokens): LedgerRecord {
    const outcome = this.outcome();
    const meta = this.meta;
    const failed = this.attempts.length > 0 ? this.attempts[this.attempts.length - 1] : undefined;
    const target = this.target ?? (failed ? this.plan?.targets.find((candidate) => candidate.ref === failed.ref) : undefined);
    const store = this.accounting.storePayloads;
    return buildLedgerRecord(
      {
        id: this.id,
        ts: this.ts,
        keyId: this.keyId,
        team: this.team,
        dialect: this.dialect,
        endpoint: this.endpoint,
        stream: this.stream,
        requestedModel: this.requestedModel,
        task: meta?.task ?? null,
        priority: meta?.priority ?? null,
        tier: meta?.tier ?? null,
        rule: this.plan?.rule ?? null,
        routeReason: this.plan?.reason ?? null,
        fallbackReason: this.fallbackReason ?? null,
        attempts: this.attempts,
        target: target ? { provider: target.provider, model: target.modelId, local: target.local } : null,
        cloudFallback: this.plan?.targets.find((candidate) => !candidate.local)?.ref,
        cache: this.cache,
        tokens,
        ttftMs: this.ttftMs,
        latencyMs,
        generationMs: generationMsFromUsage(this.usage),
        outcome,
        httpStatus: this.reply.raw.statusCode,
        errorCode: outcome === 'ok' ? null : (this.error?.code ?? (outcome === 'client_aborted' ? 'client_aborted' : null)),
        warnings: this.warnings,
        ...(store && this.call ? { prompt: this.call } : {}),
        ...(store && this.response !== undefined ? { response: this.response } : {}),
      },
      this.accounting.pricing,
    );
  }
}
