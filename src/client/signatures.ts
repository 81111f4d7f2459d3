/**
 * The client's signing policy: with a signing key, tasks enqueued unsigned are signed; with a
 * verification key, tasks loaded and enqueued must carry a valid signature.
 */
import type { KeyObject } from "node:crypto";
import { signingKey, signTask, verificationKey, verifyTask } from "../core/signing.ts";
import type { Task } from "../core/task.ts";
import type { ClientOptions } from "./options.ts";

export class TaskSignatures {
  readonly #sign?: KeyObject;
  readonly #verify?: KeyObject;
  readonly #optional: boolean;

  /** Parses the keys: a bad one fails here, before anything connects. */
  constructor(opts: Pick<ClientOptions, "signingKey" | "verificationKey" | "signaturesOptional">) {
    if (opts.signingKey) this.#sign = signingKey(opts.signingKey);
    if (opts.verificationKey) this.#verify = verificationKey(opts.verificationKey);
    this.#optional = opts.signaturesOptional ?? false;
  }

  /** Signs `task` when the client has a signing key and the task no signature. */
  sign(task: Task): void {
    if (this.#sign && !task.signature) signTask(task, this.#sign);
  }

  /** `task_not_signed` or `task_signature_invalid` when the client verifies and `task` fails. */
  verify(task: Task): void {
    if (this.#verify) verifyTask(task, this.#verify, this.#optional);
  }
}
