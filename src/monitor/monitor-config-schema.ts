import { z } from 'zod';

/**
 * `monitor:` in tollgate.yaml. Local targets are polled; cloud targets are judged from real
 * traffic, plus an optional probe. Every field has a default, so a config without this section
 * gets a monitor that polls local hosts every 15 s.
 */
export const monitorConfigSchema = z.object({
  /** Milliseconds between two polls of every local host (Ollama `/api/version` + `/api/ps`, OpenAI-compatible `/models`). */
  intervalMs: z.number().int().min(1_000).max(3_600_000).default(15_000),
  /** A poll that has not answered in this many milliseconds marks the host down. */
  timeoutMs: z.number().int().positive().max(60_000).default(3_000),
  /**
   * Also probe cloud providers with their cheap `health()` call (a model list), every
   * `cloudProbeIntervalMs`. Off by default: real traffic already says whether a cloud answers,
   * and a probe is one more request against the account's rate limit.
   */
  probeCloud: z.boolean().default(false),
  /** Milliseconds between two cloud probes, when `probeCloud` is on. */
  cloudProbeIntervalMs: z.number().int().min(1_000).max(3_600_000).default(60_000),
}).strict();

export type MonitorConfig = z.infer<typeof monitorConfigSchema>;
