/** The scheduler's logging port: the CLI prints, tests collect, libraries pass their own. */

/** One line per call; messages never carry task payloads. */
export interface Log {
  info(msg: string): void;
  warn(msg: string): void;
  /** Chatty detail (each campaign); default nowhere. */
  debug?(msg: string): void;
}

/** Drops everything. */
export const silentLog: Log = { info() {}, warn() {} };
