/** What every command handler gets: the Io, a way to connect, confirmation of destructive work. */
import { Client, type ClientOptions } from "../client.ts";
import { AjcError } from "../core/errors.ts";
import type { ConnectionOptions } from "../store/connection.ts";
import { connectionFromFlags, type NatsFlags } from "./config.ts";
import type { Io } from "./io.ts";

/** What a command may set of the client and its connection (the NATS flags give the rest). */
export type ConnectOptions = Partial<Omit<ClientOptions, "connection">> & {
  connection?: Partial<ConnectionOptions>;
};

export class CliContext {
  readonly #clients: Client[] = [];
  /** Exit status a handler sets when it fails without throwing. */
  exitCode = 0;

  constructor(readonly io: Io) {}

  /** Connects with the command's NATS flags. Long-running commands pass `reconnectForever`. */
  async connect(flags: NatsFlags, opts: ConnectOptions = {}): Promise<Client> {
    const { connection, ...rest } = opts;
    const client = await Client.connect({
      ...rest,
      connection: connectionFromFlags(flags, this.io.env, {
        log: (m) => this.io.err(m),
        ...connection,
      }),
    });
    this.#clients.push(client);
    return client;
  }

  /** Asks before destructive work; without a terminal, refuses unless forced. */
  async confirm(question: string, force: boolean | undefined): Promise<void> {
    if (force) return;
    if (!this.io.interactive) {
      throw new AjcError("invalid_argument", `${question}: refusing without a terminal, pass -f to force`);
    }
    const answer = (await this.io.ask(`${question} [y/N] `)).trim().toLowerCase();
    if (answer !== "y" && answer !== "yes") throw new AjcError("invalid_argument", "aborted");
  }

  /** Prints a value as indented JSON. */
  json(value: unknown): void {
    this.io.out(JSON.stringify(value, null, 2));
  }

  async close(): Promise<void> {
    for (const c of this.#clients.splice(0)) await c.close().catch(() => {});
  }
}
