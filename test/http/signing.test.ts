import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ulid } from "ulid";
import { Client } from "../../src/client.ts";
import { signingKey, signTask } from "../../src/core/signing.ts";
import { payloadFromJson, type Task } from "../../src/core/task.ts";
import { type ApiEnv, expectError, startApi } from "../helpers/http.ts";
import { type NatsServer, startNats } from "../helpers/nats.ts";

// RFC 8032, section 7.1, test 1.
const SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
const OTHER_SEED = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";

/** What a signing caller sends: it fixes id and created, and signs over the queue it names. */
function signedRequest(seed: string, fields: Partial<Task> = {}) {
  const task: Task = {
    id: ulid(),
    type: "signed:job",
    queue: "EMAIL",
    payload: payloadFromJson({ to: "user@example.com" }),
    max_tries: 10,
    state: "new",
    created: new Date().toISOString(),
    tries: 0,
    ...fields,
  };
  signTask(task, signingKey(seed));
  return {
    id: task.id,
    created: task.created,
    type: task.type,
    queue: task.queue,
    payload_base64: task.payload,
    max_tries: task.max_tries,
    signature: task.signature,
  };
}

let nats: NatsServer;
let strict: ApiEnv;
let optional: ApiEnv;
beforeAll(async () => {
  nats = await startNats();
  strict = await startApi({ nats, client: { verificationKey: PUBLIC } });
  optional = await startApi({ nats, client: { verificationKey: PUBLIC, signaturesOptional: true } });
});
afterAll(async () => {
  await optional.close();
  await strict.close();
  await nats.close();
});

describe("with --verify-key", () => {
  test("a task signed by the caller is accepted, stored as signed and readable", async () => {
    const req = signedRequest(SEED);
    const r = await strict.call("POST", "/v1/tasks", { json: req });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ id: req.id, created: req.created, signature: req.signature });
    const g = await strict.call("GET", `/v1/tasks/${req.id}`);
    expect(g.status).toBe(200);
    expect((await strict.call("POST", `/v1/tasks/${req.id}/retry`)).status).toBe(200);
  });

  test("unsigned or badly signed requests are refused and nothing is stored", async () => {
    const before = await strict.client.countTasks();
    const unsigned = signedRequest(SEED);
    delete (unsigned as { signature?: string }).signature;
    expectError(
      await strict.call("POST", "/v1/tasks", { json: unsigned }),
      400,
      "task_not_signed",
      "signature",
    );
    const wrongKey = signedRequest(OTHER_SEED);
    expectError(
      await strict.call("POST", "/v1/tasks", { json: wrongKey }),
      400,
      "task_signature_invalid",
      "signature",
    );
    const tampered = { ...signedRequest(SEED), max_tries: 3 };
    expectError(await strict.call("POST", "/v1/tasks", { json: tampered }), 400, "task_signature_invalid");
    const otherQueue = signedRequest(SEED, { queue: "OTHER" });
    await strict.client.createQueue({ name: "OTHER" });
    expectError(
      await strict.call("POST", "/v1/tasks", { json: { ...otherQueue, queue: "EMAIL" } }),
      400,
      "task_signature_invalid",
    );
    expectError(
      await strict.call("POST", "/v1/tasks", { json: { ...signedRequest(SEED), signature: "zz" } }),
      400,
      "task_signature_invalid",
    );
    expect(await strict.client.countTasks()).toBe(before);
    for (const id of [unsigned.id, wrongKey.id, tampered.id]) {
      expectError(await strict.call("GET", `/v1/tasks/${id}`), 404, "task_not_found");
    }
  });

  test("the signature codes are distinct from invalid_argument", async () => {
    const r = await strict.call("POST", "/v1/tasks", { json: { type: "t" } });
    expect(r.body.error.code).toBe("signature_required");
    const bad = await strict.call("POST", "/v1/tasks", { json: signedRequest(OTHER_SEED) });
    expect(bad.body.error.code).toBe("signature_invalid");
  });

  test("reads verify too: an unsigned stored task is refused", async () => {
    const plain = await Client.connect({ connection: { servers: nats.url } });
    try {
      const t = await plain.enqueue(plain.newTask("plain", null), "EMAIL");
      expectError(await strict.call("GET", `/v1/tasks/${t.id}`), 400, "task_not_signed");
      expectError(await strict.call("POST", `/v1/tasks/${t.id}/retry`), 400, "task_not_signed");
    } finally {
      await plain.close();
    }
  });
});

describe("with --signatures-optional", () => {
  test("unsigned tasks pass, badly signed ones still fail", async () => {
    expect((await optional.call("POST", "/v1/tasks", { json: { type: "t" } })).status).toBe(201);
    expect((await optional.call("POST", "/v1/tasks", { json: signedRequest(SEED) })).status).toBe(201);
    expectError(
      await optional.call("POST", "/v1/tasks", { json: signedRequest(OTHER_SEED) }),
      400,
      "task_signature_invalid",
    );
  });
});
