/** What a client is made with. */
import type { ConnectionOptions } from "../store/connection.ts";
import type { TaskStoreOptions } from "../store/tasks.ts";

/** Options of a client. */
export interface ClientOptions {
  connection: ConnectionOptions;
  /** Used when the task store must be created. */
  taskStore?: TaskStoreOptions;
  /** Hex ed25519 seed: tasks enqueued without a signature are signed with it. */
  signingKey?: string;
  /** Hex ed25519 public key: loaded (and enqueued) tasks must carry a valid signature. */
  verificationKey?: string;
  /** With a verification key, let unsigned tasks through (badly signed ones still fail). */
  signaturesOptional?: boolean;
  /** Clock (unix ms); default Date.now. */
  now?: () => number;
}
