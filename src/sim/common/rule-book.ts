import type { FaultSpec, RuleMatch, ScriptReply, ScriptSpec } from './rule-specs.js';

/** What a rule can be matched against, pulled out of one request. */
export interface MatchFacts {
  readonly path: string;
  /** Model id, already normalised by the service. */
  readonly model?: string;
  /** Text of the last user message, when the request has one. */
  readonly userText?: string;
}

interface CompiledMatch {
  readonly model?: string;
  readonly pattern?: RegExp;
  readonly path?: string;
}

function compileMatch(match: RuleMatch | undefined, normalizeModel: (m: string) => string): CompiledMatch {
  if (!match) return {};
  return {
    model: match.model === undefined ? undefined : normalizeModel(match.model),
    pattern: match.pattern === undefined ? undefined : new RegExp(match.pattern),
    path: match.path,
  };
}

function matches(m: CompiledMatch, facts: MatchFacts): boolean {
  if (m.path !== undefined && m.path !== facts.path) return false;
  if (m.model !== undefined && m.model !== facts.model) return false;
  if (m.pattern !== undefined && (facts.userText === undefined || !m.pattern.test(facts.userText))) return false;
  return true;
}

/** Faults that must replace the normal answer entirely; at most one applies. */
export type TerminalFault = Extract<FaultSpec, { kind: 'status' | 'reset' | 'hang' | 'malformed' }>;
/** Faults that only change how a normal answer is delivered; they combine. */
export interface DeliveryFaults {
  /** Sum of all matching `latency` faults. */
  latencyMs: number;
  trickleMs?: number;
  /** The first matching `drop-mid-stream` or `error-mid-stream`. */
  cut?: { readonly kind: 'drop' | 'error'; readonly afterChunks: number };
}

export interface FaultSelection {
  readonly terminal?: TerminalFault;
  readonly delivery: DeliveryFaults;
  /** True when at least one fault applied. */
  readonly any: boolean;
}

interface ActiveFault {
  readonly spec: FaultSpec;
  readonly match: CompiledMatch;
  /** Remaining applications; Infinity = forever. */
  remaining: number;
}

/**
 * The live fault list. Selection consumes `times` only for faults that actually take effect, so a
 * `times: 1` status fault shadowed by an earlier one is still there for the next request.
 */
export class FaultBook {
  private faults: ActiveFault[] = [];

  constructor(private readonly normalizeModel: (m: string) => string) {}

  set(list: readonly FaultSpec[]): void {
    this.faults = list.map((spec) => this.activate(spec));
  }

  add(spec: FaultSpec): void {
    this.faults.push(this.activate(spec));
  }

  clear(): void {
    this.faults = [];
  }

  list(): FaultSpec[] {
    return this.faults.map((f) => f.spec);
  }

  select(facts: MatchFacts): FaultSelection {
    let terminal: TerminalFault | undefined;
    const delivery: DeliveryFaults = { latencyMs: 0 };
    let any = false;
    for (const fault of this.faults) {
      if (fault.remaining <= 0 || !matches(fault.match, facts)) continue;
      const spec = fault.spec;
      let applied = true;
      switch (spec.kind) {
        case 'status':
        case 'reset':
        case 'hang':
        case 'malformed':
          if (terminal === undefined) terminal = spec;
          else applied = false;
          break;
        case 'latency':
          delivery.latencyMs += spec.ms;
          break;
        case 'trickle':
          if (delivery.trickleMs === undefined) delivery.trickleMs = spec.intervalMs;
          else applied = false;
          break;
        case 'drop-mid-stream':
        case 'error-mid-stream':
          if (delivery.cut === undefined) {
            delivery.cut = { kind: spec.kind === 'drop-mid-stream' ? 'drop' : 'error', afterChunks: spec.afterChunks };
          } else applied = false;
          break;
      }
      if (applied) {
        fault.remaining -= 1;
        any = true;
      }
    }
    this.faults = this.faults.filter((f) => f.remaining > 0);
    return { terminal, delivery, any };
  }

  private activate(spec: FaultSpec): ActiveFault {
    return { spec, match: compileMatch(spec.match, this.normalizeModel), remaining: spec.times ?? Infinity };
  }
}

/** Scripted replies: the first script whose pattern (and model) matches wins. */
export class ScriptBook {
  private scripts: Array<{ readonly spec: ScriptSpec; readonly match: CompiledMatch }> = [];

  constructor(private readonly normalizeModel: (m: string) => string) {}

  set(list: readonly ScriptSpec[]): void {
    this.scripts = list.map((spec) => ({ spec, match: compileMatch(spec.match, this.normalizeModel) }));
  }

  list(): ScriptSpec[] {
    return this.scripts.map((s) => s.spec);
  }

  find(model: string, userText: string | undefined): ScriptReply | undefined {
    if (userText === undefined) return undefined;
    const facts: MatchFacts = { path: '', model, userText };
    return this.scripts.find((s) => matches({ ...s.match, path: undefined }, facts))?.spec.reply;
  }
}
