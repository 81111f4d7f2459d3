import { describe, expect, test } from "bun:test";
import { sign, verify } from "node:crypto";
import {
  publicKeyHex,
  signatureMessage,
  signingKey,
  signTask,
  verificationKey,
  verifyTask,
} from "../../src/core/signing.ts";
import type { Task } from "../../src/core/task.ts";

// RFC 8032, section 7.1, test 1.
const SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

function goTask(): Task {
  return {
    id: "2BvYLXWHBYeFQJvY9AkuZw6wQm0",
    type: "email:new",
    queue: "EMAIL",
    payload: "eyJ0byI6InVzZXJAZXhhbXBsZS5jb20ifQ==",
    deadline: "2022-02-08T00:00:00Z",
    max_tries: 10,
    state: "new",
    created: "2022-02-07T10:16:42.123456789Z",
    tries: 0,
  };
}

describe("signature message", () => {
  test("id:queue:type:max_tries:created ns:deadline ns:base64 payload", () => {
    expect(signatureMessage(goTask()).toString()).toBe(
      "2BvYLXWHBYeFQJvY9AkuZw6wQm0:EMAIL:email:new:10:1644229002123456789:1644278400000000000:eyJ0byI6InVzZXJAZXhhbXBsZS5jb20ifQ==",
    );
  });

  test("no deadline is 0, no payload is empty, offsets are normalised to UTC", () => {
    const t = { ...goTask(), payload: null, created: "2022-02-07T11:16:42.123456789+01:00" };
    delete t.deadline;
    expect(signatureMessage(t).toString()).toBe(
      "2BvYLXWHBYeFQJvY9AkuZw6wQm0:EMAIL:email:new:10:1644229002123456789:0:",
    );
  });
});

describe("keys", () => {
  test("RFC 8032 test vectors sign the same through our key parsing", () => {
    const key = signingKey(SEED);
    expect(publicKeyHex(key)).toBe(PUBLIC);
    expect(sign(null, Buffer.alloc(0), key).toString("hex")).toBe(
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    );
    // Test 2: a one-byte message.
    const key2 = signingKey("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb");
    expect(sign(null, Buffer.from([0x72]), key2).toString("hex")).toBe(
      "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    );
    expect(verify(null, Buffer.alloc(0), verificationKey(PUBLIC), sign(null, Buffer.alloc(0), key))).toBe(
      true,
    );
  });

  test("Go's 64-byte private key (seed then public key) is accepted", () => {
    expect(publicKeyHex(signingKey(SEED + PUBLIC))).toBe(PUBLIC);
  });

  test.each(["", "abc", "zz".repeat(32), "00".repeat(31)])("%p is not a key", (hex) => {
    expect(() => signingKey(hex)).toThrow(expect.objectContaining({ reason: "signature_key_invalid" }));
    expect(() => verificationKey(hex)).toThrow(expect.objectContaining({ reason: "signature_key_invalid" }));
  });
});

describe("signing tasks", () => {
  test("a known vector: the signature Go's ed25519 gives for the message above", () => {
    // Ed25519 is deterministic: any RFC 8032 implementation gives these bytes for this key and message.
    const t = goTask();
    signTask(t, signingKey(SEED));
    expect(t.signature).toBe(
      "219f96b9b1154aa3aba15bbae0ed26fd985ac6a25f888db8a62fed8f0a5863d1d096b7dfabf993dd89e8461769a10ed8958f409c180a4228e6a9451c16471f00",
    );
  });

  test("sign then verify round trip; any change breaks it", () => {
    const t = goTask();
    signTask(t, signingKey(SEED));
    verifyTask(t, verificationKey(PUBLIC));
    for (const change of [
      (x: Task) => (x.queue = "OTHER"),
      (x: Task) => (x.max_tries = 11),
      (x: Task) => (x.payload = null),
      (x: Task) => (x.created = "2022-02-07T10:16:42.123456788Z"),
      (x: Task) => delete x.deadline,
    ]) {
      const copy = structuredClone(t);
      change(copy);
      expect(() => verifyTask(copy, verificationKey(PUBLIC))).toThrow(
        expect.objectContaining({ reason: "task_signature_invalid" }),
      );
    }
  });

  test("state, tries and results are not signed: processing does not break signatures", () => {
    const t = goTask();
    signTask(t, signingKey(SEED));
    Object.assign(t, { state: "complete", tries: 3, tried: "2022-02-07T10:20:00Z", last_err: "x" });
    verifyTask(t, verificationKey(PUBLIC));
  });

  test("unsigned: task_not_signed unless optional; signed twice: task_already_signed", () => {
    const t = goTask();
    expect(() => verifyTask(t, verificationKey(PUBLIC))).toThrow(
      expect.objectContaining({ reason: "task_not_signed" }),
    );
    verifyTask(t, verificationKey(PUBLIC), true);
    signTask(t, signingKey(SEED));
    expect(() => signTask(t, signingKey(SEED))).toThrow(
      expect.objectContaining({ reason: "task_already_signed" }),
    );
  });

  test("a malformed signature is invalid, even when optional", () => {
    const t = { ...goTask(), signature: "not hex" };
    expect(() => verifyTask(t, verificationKey(PUBLIC), true)).toThrow(
      expect.objectContaining({ reason: "task_signature_invalid" }),
    );
  });
});
