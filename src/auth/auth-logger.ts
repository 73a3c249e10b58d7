/** The little of a logger access needs; a pino Logger fits. */
export interface AuthLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export const silentLogger: AuthLogger = { info() {}, warn() {}, error() {} };
