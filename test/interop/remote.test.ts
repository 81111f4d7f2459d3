/**
 * The request-reply protocol (`tasks process --remote`): one responder on `CHORIA_AJ.H.T.rr`
 * serves the Go CLI's processor and `ajc task process --remote`; both send the same request
 * headers, and the same replies (a result, `AJ-Error`, `AJ-Terminate`) leave the same task behind.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { headers as natsHeaders } from "@nats-io/nats-core";
import type { Task } from "../../src/core/task.ts";
import { type RawNats, rawNats } from "../helpers/raw.ts";
import { describeInterop } from "./go-tools.ts";
import { enqueuedId, FINAL_STATES, type Interop, payloadText, startInterop } from "./harness.ts";

const final = (t: Task) => FINAL_STATES.has(t.state);

describeInterop("request-reply handlers for ajc and Go processors", () => {
  let w: Interop;
  let raw: RawNats;
  /** Request headers seen by the responder, by task id. */
  const seen = new Map<string, Record<string, string>>();
  beforeAll(async () => {
    w = await startInterop();
    raw = await rawNats(w.nats.url);
    raw.nc.subscribe("CHORIA_AJ.H.T.rr", {
      callback: (_err, msg) => {
        const task = JSON.parse(new TextDecoder().decode(msg.data)) as Task;
        const h: Record<string, string> = {};
        for (const k of msg.headers?.keys() ?? []) h[k] = msg.headers?.get(k) ?? "";
        seen.set(task.id, h);
        const reply = natsHeaders();
        const ask = payloadText(task);
        if (ask === "fail") reply.set("AJ-Error", "responder says no");
        if (ask === "terminate") reply.set("AJ-Terminate", "responder says stop");
        msg.respond(new TextEncoder().encode(`reply to ${ask}`), { headers: reply });
      },
    });
    await raw.nc.flush();
    await w.client.createQueue({ name: "RRGO" });
    await w.client.createQueue({ name: "RRTS" });
    w.spawnGo("ajc", ["tasks", "process", "rr", "RRGO", "2", "--remote", "--backoff", "1m"]);
    w.spawnAjc(["task", "process", "rr", "RRTS", "2", "--remote", "--backoff", "1m"]);
  });
  afterAll(async () => {
    await raw?.close();
    await w?.close();
  });

  /** The fields an outcome is judged by, with the processor-specific ones left out. */
  const outcome = (t: Task) => ({
    state: t.state,
    tries: t.tries,
    result: t.result?.payload,
    last_err: t.last_err,
  });

  for (const ask of ["ok", "fail", "terminate"]) {
    test(`a reply to "${ask}" leaves the same task whichever processor asked`, async () => {
      const ids: string[] = [];
      for (const queue of ["RRGO", "RRTS"]) {
        ids.push(enqueuedId(await w.ajc("task", "add", "rr", ask, "-q", queue, "--tries", "1")));
      }
      const [viaGo, viaAjc] = await Promise.all(ids.map((id) => w.waitTask(id, final, 30_000)));
      expect(outcome(viaAjc!)).toEqual(outcome(viaGo!));
      const hGo = seen.get(ids[0]!);
      const hAjc = seen.get(ids[1]!);
      expect(hAjc?.["AJ-Content-Type"]).toBe(hGo?.["AJ-Content-Type"]);
      expect(hAjc?.["AJ-Handler-Deadline"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(hGo?.["AJ-Handler-Deadline"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      if (ask === "ok") expect(viaGo!.result?.payload).toBe(Buffer.from("reply to ok").toString("base64"));
    });
  }
});
