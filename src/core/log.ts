/**
 * The log of every long-running command (`server run`, `task process`, `task cron scheduler`):
 * one line per event, as text (`INFO[0012] message key=value`, the form the Go tools print) or
 * JSON (`{"level":"info","time":...,"msg":...}`). Callers pass only what may be logged: request
 * bodies, payloads and the Authorization header never reach this module.
 */

/** How log lines are written: `text` (default) or `json`. */
export type LogFormat = "text" | "json";
export const LOG_FORMATS: readonly LogFormat[] = ["text", "json"];

type Level = "debug" | "info" | "warn" | "error";
type Fields = Record<string, string | number | boolean | undefined>;

/** A structured logger. */
export interface Logger {
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /** Chatty detail; a logger that drops it may leave it out. */
  debug?(msg: string, fields?: Fields): void;
}

export interface LoggerOptions {
  /** Default `text`. */
  format?: LogFormat;
  /** Receives each line, without the newline. */
  write: (line: string) => void;
  /** Clock (unix ms); default Date.now. */
  now?: () => number;
}

const TEXT_LEVEL: Record<Level, string> = { debug: "DEBU", info: "INFO", warn: "WARN", error: "ERRO" };
const BARE_VALUE = /^[\w./:@%+-]*$/;

function textValue(v: string | number | boolean): string {
  const s = String(v);
  return BARE_VALUE.test(s) ? s : JSON.stringify(s);
}

/** Creates a logger; the text form shows seconds since its creation, as logrus does. */
export function createLogger(opts: LoggerOptions): Required<Logger> {
  const now = opts.now ?? Date.now;
  const started = now();
  const line =
    opts.format === "json"
      ? (level: Level, msg: string, fields: Fields = {}) => {
          const o: Record<string, unknown> = { level, time: new Date(now()).toISOString(), msg };
          for (const k in fields) if (fields[k] !== undefined) o[k] = fields[k];
          opts.write(JSON.stringify(o));
        }
      : (level: Level, msg: string, fields: Fields = {}) => {
          const secs = String(Math.floor((now() - started) / 1000)).padStart(4, "0");
          let s = `${TEXT_LEVEL[level]}[${secs}] ${msg.replace(/[\r\n]+/g, " ")}`;
          for (const k in fields) {
            const v = fields[k];
            if (v !== undefined) s += ` ${k}=${textValue(v)}`;
          }
          opts.write(s);
        };
  return {
    info: (msg, fields) => line("info", msg, fields),
    warn: (msg, fields) => line("warn", msg, fields),
    error: (msg, fields) => line("error", msg, fields),
    debug: (msg, fields) => line("debug", msg, fields),
  };
}

/** Lines written now reach the output at the end of the event-loop turn, or at `flush`. */
export interface BatchedSink {
  write(line: string): void;
  flush(): void;
}

/**
 * A line sink that collects the lines of one event-loop turn and writes them with one call: under
 * load that is one write per turn instead of one per request. `flush` writes what is pending now
 * (call it before exiting).
 */
export function batchedSink(write: (text: string) => void): BatchedSink {
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const text = `${pending.join("\n")}\n`;
    pending = [];
    write(text);
  };
  return {
    write(line) {
      if (pending.push(line) === 1) setImmediate(flush);
    },
    flush,
  };
}
