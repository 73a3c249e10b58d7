import { z } from 'zod';

/**
 * Fault and script specs, validated with zod because they arrive over HTTP (`/__sim/faults`,
 * `/__sim/scripts`) from tests in other processes as well as from code.
 */

const regexString = z.string().refine(
  (source) => {
    try {
      new RegExp(source);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a valid regular expression' },
);

/** Which requests a rule applies to; every given field must match. No field = every request. */
export const ruleMatchSchema = z.object({
  /** Model id; compared after the service's normalisation (Ollama `x` ≡ `x:latest`). */
  model: z.string().optional(),
  /** Regex tested against the text of the last user message. */
  pattern: regexString.optional(),
  /** Exact URL path, e.g. `/api/chat`. */
  path: z.string().optional(),
});
export type RuleMatch = z.infer<typeof ruleMatchSchema>;

const common = {
  match: ruleMatchSchema.optional(),
  /** Apply this many times, then expire. Default: forever. */
  times: z.number().int().positive().optional(),
};

const afterChunks = z.number().int().nonnegative();

export const faultSpecSchema = z.discriminatedUnion('kind', [
  /** Answer with this HTTP error in the service's own shape. */
  z.object({
    kind: z.literal('status'),
    ...common,
    status: z.number().int().min(400).max(599),
    /** Seconds, written to `retry-after` (fractions allowed: the SDKs parse floats). */
    retryAfter: z.number().nonnegative().optional(),
    message: z.string().optional(),
  }),
  /** Destroy the socket before any header is sent. */
  z.object({ kind: z.literal('reset'), ...common }),
  /** Send `afterChunks` wire frames (NDJSON lines / SSE events), then destroy the socket. */
  z.object({ kind: z.literal('drop-mid-stream'), ...common, afterChunks }),
  /** 200 with a body that is not what the protocol promises (non-JSON, broken frame). */
  z.object({ kind: z.literal('malformed'), ...common }),
  /** Accept and never answer, until the client leaves or the server closes. */
  z.object({ kind: z.literal('hang'), ...common }),
  /** Separate every frame (or body piece) by this delay. */
  z.object({ kind: z.literal('trickle'), ...common, intervalMs: z.number().nonnegative() }),
  /** Extra delay before the first byte. */
  z.object({ kind: z.literal('latency'), ...common, ms: z.number().nonnegative() }),
  /** Send `afterChunks` frames, then the service's in-band error, then end the response. */
  z.object({ kind: z.literal('error-mid-stream'), ...common, afterChunks }),
]);
export type FaultSpec = z.infer<typeof faultSpecSchema>;
export type FaultKind = FaultSpec['kind'];

const toolCallReply = z.object({
  name: z.string().min(1),
  arguments: z.record(z.string(), z.unknown()),
});

export const scriptSpecSchema = z.object({
  match: z.object({ pattern: regexString, model: z.string().optional() }),
  reply: z.union([
    z.object({ text: z.string() }),
    z.object({ toolCalls: z.array(toolCallReply).min(1) }),
    z.object({ json: z.unknown() }),
  ]),
});
export type ScriptSpec = z.infer<typeof scriptSpecSchema>;
export type ScriptReply = ScriptSpec['reply'];

export const faultListSchema = z.array(faultSpecSchema);
export const scriptListSchema = z.array(scriptSpecSchema);

/** Parses with a readable error (path: message), for both the control endpoint and options. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new TypeError(`invalid ${what}: ${issues}`);
}
