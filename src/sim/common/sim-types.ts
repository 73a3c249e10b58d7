import type { FaultSpec, ScriptSpec } from './rule-specs.js';

/** Counters a test or benchmark reads to see what a simulator actually did. */
export interface SimStats {
  /** Service requests received (control endpoint calls excluded). */
  requests: number;
  /** Requests whose response has not ended yet. */
  inFlight: number;
  /** The client disconnected before we finished answering. */
  cancelled: number;
  /** Responses written to the end (any status, faults with a status included), except `rejected` ones. */
  completed: number;
  /** Refused for capacity (Ollama's 503 queue full). */
  rejected: number;
  /** Requests on which an injected fault took effect (not in the brief's API; an addition). */
  faulted: number;
  /** Requests per URL path. */
  byPath: Record<string, number>;
  /** Requests per model (normalised: Ollama `llama3.2` counts as `llama3.2:latest`). */
  byModel: Record<string, number>;
}

/** In-process control: the same powers as the HTTP control endpoint under `/__sim/`. */
export interface SimControl {
  setFaults(faults: FaultSpec[]): void;
  addFault(fault: FaultSpec): void;
  clearFaults(): void;
  setScripts(scripts: ScriptSpec[]): void;
  stats(): SimStats;
  resetStats(): void;
}

export interface SimServer {
  /** Base URL without trailing slash, e.g. `http://127.0.0.1:54321`. */
  readonly url: string;
  readonly port: number;
  readonly control: SimControl;
  /** Closes the server and destroys open sockets; resolves even with hung requests open. */
  close(): Promise<void>;
}

/** Options every simulator accepts. */
export interface SimOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Seed of the text generator (default 42): same seed + prompt → same answer. */
  seed?: number;
  /** Delay before the first generated token (prompt processing), default 0. */
  firstTokenLatencyMs?: number;
  /** Generation speed; 0 (default) writes the whole answer at once. */
  tokensPerSecond?: number;
  /** Length of generated answers in tokens (default 24); max_tokens/num_predict can cut it (finish reason length). */
  outputTokens?: number;
  /** Model ids served; each simulator has realistic defaults. */
  models?: string[];
  faults?: FaultSpec[];
  scripts?: ScriptSpec[];
  /** Largest accepted request body (default 32 MiB, Anthropic's limit); larger → 413. */
  maxBodyBytes?: number;
}

/** Cloud simulators can demand an API key. */
export interface KeyedSimOptions extends SimOptions {
  /** When set, requests without exactly this key get the service's real 401. Default: accept any. */
  apiKey?: string;
}
