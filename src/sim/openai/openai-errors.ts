import type { BodyPlan } from '../common/response-plan.js';
import { jsonPlan } from '../common/response-plan.js';

/** OpenAI's error body: `{"error":{"message","type","param","code"}}`, type and code by status. */

export interface OpenAIErrorInit {
  readonly message?: string;
  readonly type?: string;
  readonly param?: string | null;
  readonly code?: string | null;
  readonly retryAfterSeconds?: number;
}

const SERVER_ERROR = 'The server had an error while processing your request. Sorry about that!';

function defaults(status: number): { message: string; type: string; code: string | null } {
  switch (status) {
    case 400:
      return { message: 'Invalid request.', type: 'invalid_request_error', code: null };
    case 401:
      return { message: 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.', type: 'invalid_request_error', code: 'invalid_api_key' };
    case 403:
      return { message: 'Country, region, or territory not supported', type: 'request_forbidden', code: 'unsupported_country_region_territory' };
    case 404:
      return { message: 'The model does not exist or you do not have access to it.', type: 'invalid_request_error', code: 'model_not_found' };
    case 408:
      return { message: 'Request timed out.', type: 'server_error', code: 'timeout' };
    case 409:
      return { message: 'Conflict. Please retry your request.', type: 'invalid_request_error', code: null };
    case 429:
      return {
        message: 'Rate limit reached for requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms. Visit https://platform.openai.com/account/rate-limits to learn more.',
        type: 'requests',
        code: 'rate_limit_exceeded',
      };
    case 500:
      return { message: SERVER_ERROR, type: 'server_error', code: null };
    case 502:
      return { message: 'Bad gateway.', type: 'server_error', code: null };
    case 503:
      return { message: 'The engine is currently overloaded, please try again later', type: 'server_error', code: null };
    case 504:
      return { message: 'Gateway timeout.', type: 'server_error', code: 'timeout' };
    default:
      return status >= 500
        ? { message: SERVER_ERROR, type: 'server_error', code: null }
        : { message: 'Invalid request.', type: 'invalid_request_error', code: null };
  }
}

export function openAIError(status: number, init: OpenAIErrorInit = {}): BodyPlan {
  const d = defaults(status);
  const headers = init.retryAfterSeconds === undefined ? undefined : { 'retry-after': String(init.retryAfterSeconds) };
  return jsonPlan(
    status,
    { error: { message: init.message ?? d.message, type: init.type ?? d.type, param: init.param ?? null, code: init.code === undefined ? d.code : init.code } },
    headers,
  );
}

export const OPENAI_STREAM_ERROR = { message: SERVER_ERROR, type: 'server_error', param: null, code: null };
