import type { ImageSource } from '../../../core/index.js';
import { invalidParam } from '../request-validation.js';

/**
 * Converts an OpenAI `image_url.url` into a canonical image source: a `data:<media>;base64,<data>`
 * URI becomes a base64 source, an http(s) URL a url source. Anything else is a 400 at `param`.
 * Parsed with indexOf, not a regex: data URIs are megabytes long.
 */
export function imageSourceFromOpenAIUrl(url: string, param: string): ImageSource {
  if (url.startsWith('data:')) {
    const comma = url.indexOf(',');
    if (comma < 0) throw invalidParam(param, 'malformed data URI: expected data:<media type>;base64,<data>');
    const header = url.slice(5, comma);
    const attributes = header.split(';');
    if (attributes[attributes.length - 1]?.toLowerCase() !== 'base64') {
      throw invalidParam(param, 'image data URIs must be base64-encoded (data:<media type>;base64,<data>)');
    }
    const data = url.slice(comma + 1);
    if (data.length === 0) throw invalidParam(param, 'the data URI has no data');
    // `data:;base64,` (no media type) is accepted by some servers (Ollama); recover the type from the
    // image's magic bytes rather than guessing, since Anthropic rejects a wrong media type.
    const declared = (attributes[0] ?? '').trim().toLowerCase();
    const mediaType = declared !== '' ? declared : sniffImageMediaType(data);
    if (mediaType === undefined) throw invalidParam(param, 'the data URI names no media type and the image format is not recognised');
    return { kind: 'base64', mediaType: mediaType === 'image/jpg' ? 'image/jpeg' : mediaType, data };
  }
  if (/^https?:\/\//i.test(url)) return { kind: 'url', url };
  throw invalidParam(param, 'expected an http(s) URL or a base64 data URI');
}

/** Media type from the first base64 characters of PNG, JPEG, GIF and WebP files. */
function sniffImageMediaType(base64: string): string | undefined {
  if (base64.startsWith('iVBORw0KGgo')) return 'image/png';
  if (base64.startsWith('/9j/')) return 'image/jpeg';
  if (base64.startsWith('R0lGOD')) return 'image/gif';
  if (base64.startsWith('UklGR')) return 'image/webp';
  return undefined;
}
