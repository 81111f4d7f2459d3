/**
 * A Server-Sent Events client for tests: fetch with a streaming body, parsed into events as the
 * spec frames them (`event:`, `id:`, `data:`, comments), waited on with a deadline.
 */

/** One parsed event. */
export interface SseEvent {
  event: string;
  id?: string;
  data: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read event data freely
  json: any;
}

export interface SseClient {
  status: number;
  headers: Headers;
  /** Every event received so far, in order. */
  events: SseEvent[];
  /** How many comment lines (heartbeats) arrived. */
  comments: number;
  /** Resolves with the first event (from `from` on) that `match` accepts; rejects after `timeoutMs`. */
  waitFor(match: (e: SseEvent) => boolean, timeoutMs?: number, from?: number): Promise<SseEvent>;
  /** Resolves when the server closed the stream. */
  ended: Promise<void>;
  close(): void;
}

/** Opens `url` as an event stream. A non-200 answer is returned with no events. */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const ac = new AbortController();
  const r = await fetch(url, { headers: { accept: "text/event-stream", ...headers }, signal: ac.signal });
  const events: SseEvent[] = [];
  const client: SseClient = {
    status: r.status,
    headers: r.headers,
    events,
    comments: 0,
    async waitFor(match, timeoutMs = 15_000, from = 0) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = events.slice(from).find(match);
        if (hit) return hit;
        if (Date.now() > deadline) {
          throw new Error(
            `no matching event within ${timeoutMs}ms; got ${JSON.stringify(events.map((e) => [e.event, e.id, e.data.slice(0, 120)]))}`,
          );
        }
        await Bun.sleep(10);
      }
    },
    ended: Promise.resolve(),
    close: () => ac.abort(),
  };
  if (r.status !== 200 || !r.body) {
    await r.text().catch(() => {});
    return client;
  }
  const body = r.body;
  client.ended = (async () => {
    const dec = new TextDecoder();
    let buf = "";
    let cur: { event?: string; id?: string; data: string[] } = { data: [] };
    try {
      for await (const chunk of body) {
        buf += dec.decode(chunk, { stream: true });
        let nl = buf.indexOf("\n");
        while (nl >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line === "") {
            if (cur.data.length > 0) {
              const data = cur.data.join("\n");
              let json: unknown;
              try {
                json = JSON.parse(data);
              } catch {
                json = undefined;
              }
              events.push({ event: cur.event ?? "message", id: cur.id, data, json });
            }
            cur = { data: [] };
          } else if (line.startsWith(":")) {
            client.comments++;
          } else {
            const i = line.indexOf(":");
            const field = i < 0 ? line : line.slice(0, i);
            const value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
            if (field === "event") cur.event = value;
            else if (field === "id") cur.id = value;
            else if (field === "data") cur.data.push(value);
          }
          nl = buf.indexOf("\n");
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return client;
}
