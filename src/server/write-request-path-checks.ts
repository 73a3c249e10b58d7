/**
 * The last step of `npm run build`: precompiles the request path's wire-format checks into
 * `dist/validation/request-path-checks.cjs`, so a gateway neither loads ajv nor compiles at start.
 * Importing the gateway loads every module that marks a schema `onRequestPath`.
 */
import './start-gateway.js';
import { writeRequestPathChecks } from '../validation/fast-parse.js';

const { file, checks } = await writeRequestPathChecks();
console.log(`${checks} request-path checks precompiled into ${file}`);
