/**
 * Seconds to wait before retrying, from `retry-after-ms` (OpenAI/Anthropic SDK convention) or
 * `retry-after` (delta-seconds or an HTTP date). Undefined when absent, malformed or negative;
 * a date in the past yields 0. Capping is the retry policy's job, not ours.
 */
export function parseRetryAfter(headers: Readonly<Record<string, string>>, now: number = Date.now()): number | undefined {
  const ms = headers['retry-after-ms'];
  if (ms !== undefined && ms.trim() !== '') {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return value / 1000;
  }
  const raw = headers['retry-after']?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return Number(raw);
  // An HTTP date names its month; without letters Date.parse would read '-3' as a year.
  if (!/[a-z]/i.test(raw)) return undefined;
  const date = Date.parse(raw);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}
