import type { ServerResponse } from 'node:http';
import { parseJson } from './http-util.js';
import type { FaultBook, ScriptBook } from './rule-book.js';
import { faultListSchema, faultSpecSchema, parseOrThrow, scriptListSchema } from './rule-specs.js';
import type { SimControl } from './sim-types.js';

/**
 * The HTTP face of SimControl, under `/__sim/` (outside every service's own paths), for tests and
 * benchmarks that drive a simulator running in another process:
 *   GET /__sim/stats · POST /__sim/stats/reset
 *   GET|PUT|POST|DELETE /__sim/faults (PUT replaces with an array, POST adds one)
 *   GET|PUT /__sim/scripts
 */
export const CONTROL_PREFIX = '/__sim/';

export interface ControlTargets {
  readonly control: SimControl;
  readonly faults: FaultBook;
  readonly scripts: ScriptBook;
}

export function handleControl(method: string, path: string, bodyText: string, res: ServerResponse, targets: ControlTargets): void {
  const send = (status: number, value: unknown): void => {
    const body = JSON.stringify(value);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const body = (): unknown => {
    const parsed = parseJson(bodyText);
    if (!parsed.ok) throw new TypeError(`invalid JSON body: ${parsed.message}`);
    return parsed.value;
  };
  const route = `${method} ${path.replace(/\/+$/, '')}`;
  try {
    switch (route) {
      case 'GET /__sim/stats':
        return send(200, targets.control.stats());
      case 'POST /__sim/stats/reset':
        targets.control.resetStats();
        return send(200, { ok: true });
      case 'GET /__sim/faults':
        return send(200, targets.faults.list());
      case 'PUT /__sim/faults':
        targets.control.setFaults(parseOrThrow(faultListSchema, body(), 'fault list'));
        return send(200, { ok: true, faults: targets.faults.list().length });
      case 'POST /__sim/faults':
        targets.control.addFault(parseOrThrow(faultSpecSchema, body(), 'fault'));
        return send(200, { ok: true, faults: targets.faults.list().length });
      case 'DELETE /__sim/faults':
        targets.control.clearFaults();
        return send(200, { ok: true, faults: 0 });
      case 'GET /__sim/scripts':
        return send(200, targets.scripts.list());
      case 'PUT /__sim/scripts':
        targets.control.setScripts(parseOrThrow(scriptListSchema, body(), 'script list'));
        return send(200, { ok: true, scripts: targets.scripts.list().length });
      default:
        return send(404, { error: `no control route ${route}` });
    }
  } catch (error) {
    send(400, { error: error instanceof Error ? error.message : String(error) });
  }
}
