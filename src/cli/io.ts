/** What a command may touch of the outside world; tests pass their own. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** The process environment (read only by config.ts). */
  env: Record<string, string | undefined>;
  /** True when stdin is a terminal a person can answer on. */
  interactive: boolean;
  /** Reads one line of an answer from the terminal. */
  ask(question: string): Promise<string>;
}

/** The real process's Io. */
export function processIo(): Io {
  return {
    out: (t) => process.stdout.write(t.endsWith("\n") ? t : `${t}\n`),
    err: (t) => process.stderr.write(t.endsWith("\n") ? t : `${t}\n`),
    env: process.env,
    interactive: Boolean(process.stdin.isTTY),
    ask: async (question) => {
      const { createInterface } = await import("node:readline/promises");
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
  };
}
