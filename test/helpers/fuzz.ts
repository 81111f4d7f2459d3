/**
 * fast-check generators of hostile HTTP requests for every endpoint of the API: bodies with wrong
 * types, huge and unrepresentable numbers, deep nesting, very long strings, invalid UTF-8, NUL
 * bytes and unicode look-alikes; ids and names with `..`, `%2F` and worse; invalid base64, bad
 * durations, cron strings and timestamps; odd query strings and headers; wrong methods and unknown
 * paths. Requests come in two forms: for fetch (what a well-behaved HTTP client can send) and as raw
 * bytes for a socket (what only a hostile one sends).
 */
import fc from "fast-check";

/**
 * The seed of this run: AJC_FUZZ_SEED, or a fresh one. Printed under `label` with how to replay
 * it, on every run: a failure seen once in CI must be reproducible from its log alone.
 */
export function fuzzSeed(label = "fuzz"): number {
  const env = process.env.AJC_FUZZ_SEED;
  let seed: number;
  if (env !== undefined && env !== "") {
    seed = Number(env);
    if (!Number.isSafeInteger(seed)) throw new Error(`AJC_FUZZ_SEED must be an integer, not ${env}`);
  } else seed = (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
  console.log(`${label}: seed ${seed} (${replayHint(seed)})`);
  return seed;
}

/** How to run the same cases again (the scale too: it sets how many runs there are). */
function replayHint(seed: number): string {
  const scale = process.env.AJC_FUZZ_SCALE;
  return `replay with AJC_FUZZ_SEED=${seed}${scale ? ` AJC_FUZZ_SCALE=${scale}` : ""}`;
}

/**
 * `fc.assert` with `params.seed`, a failure's message starting with the seed and how to replay
 * it (fast-check's own report names the seed deep in a long message; this puts it first).
 */
export async function fuzzAssert<Ts>(
  property: fc.IAsyncPropertyWithHooks<Ts> | fc.IPropertyWithHooks<Ts>,
  params: fc.Parameters<Ts> & { seed: number },
): Promise<void> {
  try {
    // fc.assert runs either kind; the cast only picks one of its overloads.
    await fc.assert(property as fc.IAsyncPropertyWithHooks<Ts>, params);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    e.message = `fuzz seed ${params.seed} failed (${replayHint(params.seed)})\n${e.message}`;
    throw e;
  }
}

/** Runs for one property, times AJC_FUZZ_SCALE (default 1; 10 runs ten times as many). */
export function fuzzRuns(n: number): number {
  const scale = Number(process.env.AJC_FUZZ_SCALE ?? "1");
  return Math.max(1, Math.round(n * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}

/** Marker replaced by invalid UTF-8 bytes once the body is encoded. */
const INVALID_UTF8 = "\u0001BADUTF8\u0001";
const INVALID_SEQUENCES = [
  [0xff],
  [0xc0, 0x80],
  [0xed, 0xa0, 0x80],
  [0xe2, 0x82],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xfe, 0xff],
];

/** A number literal JSON.stringify cannot write: spliced into the text as is. */
class RawNumber {
  constructor(readonly text: string) {}
}

const HUGE_NUMBERS = [
  "1e400",
  "-1e400",
  "1e-400",
  "9007199254740993",
  "-9007199254740993",
  "123456789012345678901234567890",
  "-0",
  "0.5",
  "1E2",
  "1.0",
  "2147483648",
  "-2147483649",
];

/** Strings that have broken servers: traversal, encodings, NUL, look-alikes, bidi, surrogates. */
const NASTY = [
  "",
  " ",
  "..",
  "../..",
  "../../etc/passwd",
  "%2F",
  "..%2F..%2Fetc%2Fpasswd",
  "%2e%2e",
  "a/b",
  "a\\b",
  "\u0000",
  "a\u0000b",
  "%00",
  "%",
  "%zz",
  "%c0%ae",
  "\u0130", // İ
  "ЕМАIL", // Cyrillic look-alikes
  "ＥＭＡＩＬ", // full-width
  "EMAIL\u200b",
  "e\u0301",
  "\u202eLIAME",
  "\ufeff",
  "😀",
  "\ud800",
  "\udfff",
  "DEFAULT",
  "null",
  "undefined",
  "__proto__",
  "constructor",
  "hasOwnProperty",
  "$KV",
  "*",
  ">",
  "a.b",
  "a b",
  "a\r\nX-Injected: 1",
  "<script>",
  "' OR 1=1 --",
  "$" + "{jndi:ldap://x}",
  "x".repeat(200),
  "x".repeat(201),
  "y".repeat(5000),
  INVALID_UTF8,
  `a${INVALID_UTF8}b`,
];

/** Valid names (as the API accepts them), short and at the length limit. */
export const validName = fc.oneof(
  fc.stringMatching(/^[a-zA-Z0-9_:-]{1,24}$/),
  fc.stringMatching(/^[a-z]{190,200}$/),
);

/** Any string: nasty constants, random unicode (surrogates included), valid names, very long ones. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...NASTY), weight: 4 },
  { arbitrary: fc.string({ maxLength: 40, unit: "binary" }), weight: 2 },
  { arbitrary: fc.string({ maxLength: 20 }), weight: 1 },
  { arbitrary: validName, weight: 2 },
  { arbitrary: fc.integer({ min: 1_000, max: 70_000 }).map((n) => "L".repeat(n)), weight: 1 },
);

const hugeNumber = fc.constantFrom(...HUGE_NUMBERS).map((t) => new RawNumber(t));

/** Nested arrays or objects, sometimes deeper than the server's limit. */
const deep = fc.tuple(fc.integer({ min: 1, max: 1_500 }), fc.boolean()).map(([n, arrays]) => {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = arrays ? [v] : { a: v };
  return v;
});

/** A value of any JSON type, hostile where it can be. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: nastyString, weight: 3 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 2 },
  { arbitrary: hugeNumber, weight: 1 },
  { arbitrary: fc.constantFrom(true, false, null, 0, -1, 1.5, Number.MAX_SAFE_INTEGER), weight: 1 },
  { arbitrary: deep, weight: 1 },
);

/** Go duration strings, good and bad. */
export const duration = fc.oneof(
  fc.constantFrom(
    "30s",
    "1h",
    "1h30m",
    "1.5h",
    "500ms",
    "1us",
    "1µs",
    "0s",
    "0",
    "-5s",
    "5",
    "1d",
    "1e3s",
    "s",
  ),
  fc.constantFrom(
    "99999999999999999h",
    "2562047h47m16.854775807s",
    "2562048h",
    "9223372036854775807ns",
    "1m1",
  ),
  fc.constantFrom("", " 1s", "1s ", "1 s", "+1s", "--1s", "1h-1m", "NaN", "Infinity", "0x10s", "１s"),
  nastyString,
);

/** Cron expressions and descriptors, good and bad. */
export const cron = fc.oneof(
  fc.constantFrom("* * * * *", "*/5 * * * *", "0 0 * * 0", "@hourly", "@daily", "@every 1m", "@every 1h30m"),
  fc.constantFrom(
    "@every 0s",
    "@every -1s",
    "@every 1ns",
    "@every",
    "@every 99999999999999h",
    "@reboot",
    "@nope",
  ),
  fc.constantFrom(
    "60 * * * *",
    "* 24 * * *",
    "* * 32 * *",
    "* * * 13 *",
    "* * * * 8",
    "*/0 * * * *",
    "5-1 * * * *",
  ),
  fc.constantFrom(
    "* * * *",
    "* * * * * *",
    "* * * * * * *",
    "",
    " ",
    "0 0 31 2 *",
    "1,2,,3 * * * *",
    "a b c d e",
  ),
  fc.constantFrom("TZ=Mars/Olympus * * * * *", "CRON_TZ=UTC * * * * *", "9999999999 * * * *"),
  fc
    .array(fc.constantFrom("*", "*/2", "1-5", "0", "99", "L", "W", "#", "?", "JAN", "MON"), {
      minLength: 1,
      maxLength: 7,
    })
    .map((a) => a.join(" ")),
  nastyString,
);

/** RFC 3339 timestamps, good and bad. */
export const timestamp = fc.oneof(
  fc
    .date({
      min: new Date("1970-01-01T00:00:00Z"),
      max: new Date("2200-01-01T00:00:00Z"),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString()),
  fc.constantFrom(
    "2099-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "0000-01-01T00:00:00Z",
    "2000-01-01T00:00:00Z",
    "2024-02-29T12:00:00.123456789+02:00",
  ),
  fc.constantFrom(
    "2024-13-01T00:00:00Z",
    "2023-02-29T00:00:00Z",
    "2024-01-01T25:00:00Z",
    "2024-01-01T00:00:00+25:00",
    "2024-01-01",
    "2024-01-01 00:00:00Z",
  ),
  fc.constantFrom(
    "+275760-09-13T00:00:00Z",
    "-000001-01-01T00:00:00Z",
    "1e10",
    "now",
    "yesterday",
    "2024-01-01T00:00:00.Z",
    "2024-01-01T00:00:00.1234567891Z",
  ),
  nastyString,
);

/** Base64 payloads, good and bad. */
export const base64 = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString("base64")),
  fc.constantFrom(
    "",
    "YQ==",
    "YQ",
    "YQ=",
    "Y",
    "@@@@",
    "-_-_",
    "YQ==YQ==",
    " YQ==",
    "YQ==\n",
    "Y Q==",
    "////",
    "====",
  ),
  nastyString,
);

/** `a` once in `n` times, otherwise undefined. */
function rarely<T>(a: fc.Arbitrary<T>, n: number): fc.Arbitrary<T | undefined> {
  return fc.oneof({ arbitrary: fc.constant(undefined), weight: n - 1 }, { arbitrary: a, weight: 1 });
}

/** A value for a field: usually of the field's own kind, sometimes of any type at all. */
const field = (own: fc.Arbitrary<unknown>) =>
  fc.oneof({ arbitrary: own, weight: 4 }, { arbitrary: anyValue, weight: 1 });

const intish = fc.oneof(
  fc.integer({ min: -5, max: 20 }),
  fc.constantFrom(0, -1, 2 ** 31, 2 ** 53 - 1, 2 ** 53 + 2, 1e21),
  hugeNumber,
);
const boolish = fc.oneof(fc.boolean(), fc.constantFrom("true", 1, 0, "yes"));

/** An object with a random subset of `fields`, sometimes an unknown field too. */
function objectOf(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(
      fc.record(Object.fromEntries(Object.entries(fields).map(([k, a]) => [k, field(a)])), {
        requiredKeys: [],
      }),
      rarely(fc.tuple(nastyString, anyValue), 8),
    )
    .map(([o, extra]) => {
      const out: Record<string, unknown> = { ...o };
      if (extra) out[extra[0]] = extra[1];
      return out;
    });
}

/**
 * A body that is valid apart from at most one field (which may also be an unknown one): so the
 * requests get past the first check and the later ones (and success) are exercised too.
 */
function nearlyValid(
  base: fc.Arbitrary<Record<string, unknown>>,
  hostile: fc.Arbitrary<Record<string, unknown>>,
): fc.Arbitrary<Record<string, unknown>> {
  const oneField = hostile.map((o) => {
    const keys = Object.keys(o);
    return keys.length === 0 ? {} : { [keys[0]!]: o[keys[0]!] };
  });
  return fc.oneof(
    { arbitrary: hostile, weight: 2 },
    { arbitrary: fc.tuple(base, oneField).map(([b, f]) => ({ ...b, ...f })), weight: 2 },
    { arbitrary: base, weight: 1 },
  );
}

/** Bodies of the create operations (names can be steered to fixtures by the caller). */
export function bodies(names: fc.Arbitrary<string>, queue = "EMAIL") {
  const payload = fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined });
  const hostile = rawBodies(names);
  return {
    task: nearlyValid(fc.record({ type: validName, payload }, { requiredKeys: ["type"] }), hostile.task),
    queue: nearlyValid(fc.record({ name: validName, max_runtime: fc.constant("1h") }), hostile.queue),
    schedule: nearlyValid(
      fc.record({
        name: validName.map((n) => n.replace(/:/g, "_")),
        schedule: fc.constantFrom("@every 1h", "0 * * * *"),
        queue: fc.constant(queue),
        task_type: validName,
      }),
      hostile.schedule,
    ),
    bulkRetry: nearlyValid(
      fc.record({ ids: fc.array(names, { minLength: 1, maxLength: 3 }) }),
      hostile.bulkRetry,
    ),
  };
}

function rawBodies(names: fc.Arbitrary<string>) {
  return {
    task: objectOf({
      type: names,
      queue: names,
      payload: anyValue,
      payload_base64: base64,
      deadline: timestamp,
      max_tries: intish,
      dependencies: fc.array(names, { maxLength: 4 }),
      load_dependencies: boolish,
      signature: fc.oneof(fc.stringMatching(/^[0-9a-f]{128}$/), nastyString),
      id: names,
      created: timestamp,
    }),
    queue: objectOf({
      name: names,
      max_age: duration,
      max_entries: intish,
      discard_old: boolish,
      max_tries: intish,
      max_runtime: duration,
      max_concurrent: intish,
    }),
    schedule: objectOf({
      name: names,
      schedule: cron,
      queue: names,
      task_type: names,
      payload: anyValue,
      payload_base64: base64,
      deadline_offset: duration,
      max_tries: intish,
    }),
    bulkRetry: objectOf({
      ids: fc.oneof(
        fc.array(names, { maxLength: 5 }),
        fc.integer({ min: 99, max: 102 }).map((n) => Array.from({ length: n }, (_, i) => `id${i}`)),
      ),
    }),
  };
}

/** JSON text of a value, with raw number literals and invalid UTF-8 spliced in; as bytes. */
export function encodeBody(v: unknown): Uint8Array {
  const raws: string[] = [];
  const text = JSON.stringify(v, (_k, x) => {
    if (x instanceof RawNumber) {
      raws.push(x.text);
      return `\u0002RAW${raws.length - 1}\u0002`;
    }
    return x;
  });
  const spliced = (text ?? "null").replace(/"\\u0002RAW(\d+)\\u0002"/g, (_m, i) => raws[Number(i)]!);
  const marker = JSON.stringify(INVALID_UTF8).slice(1, -1);
  const pieces = spliced.split(marker);
  const parts: Uint8Array[] = [];
  pieces.forEach((p, i) => {
    if (i > 0) parts.push(Uint8Array.from(INVALID_SEQUENCES[i % INVALID_SEQUENCES.length]!));
    parts.push(Buffer.from(p, "utf8"));
  });
  return Buffer.concat(parts);
}

/** Bodies that are not JSON objects at all, or not JSON. */
export const brokenBody: fc.Arbitrary<Uint8Array> = fc
  .oneof(
    fc.constantFrom(
      "",
      "{",
      "}",
      "[]",
      "null",
      "1",
      '"x"',
      "{'type':'t'}",
      '{"type":"t",}',
      '{"type":"t"',
      "{}{}",
      '{"type":"t"}garbage',
    ),
    fc.constantFrom(
      '{"type":"t","type":"u"}',
      '{"type":"\\ud800"}',
      '{"type":"\\u0000"}',
      "\ufeff{}",
      '{"a":1e999999}',
      "[".repeat(3000),
    ),
    fc.string({ maxLength: 60, unit: "binary" }),
  )
  .map((s) => Buffer.from(s, "utf8"))
  .chain((b) =>
    fc.oneof(
      fc.constant(b),
      fc.uint8Array({ minLength: 1, maxLength: 64 }).map((r) => Buffer.concat([b, r])),
    ),
  );

/** Percent-encoded as a client would (a lone surrogate becomes U+FFFD first, as fetch does). */
const enc = (s: string) => encodeURIComponent((s as string & { toWellFormed(): string }).toWellFormed());

/** A query string (without `?`): known parameters with hostile values, repeated, unknown ones. */
export const listQuery: fc.Arbitrary<string> = fc
  .array(
    fc.tuple(
      fc.constantFrom(
        "limit",
        "state",
        "queue",
        "type",
        "created_since",
        "stream",
        "x",
        "",
        "limit[]",
        "state",
      ),
      fc.oneof(
        fc.constantFrom(
          "1",
          "10",
          "1000",
          "1001",
          "0",
          "-1",
          "1e3",
          "99999999999",
          " 5",
          "5 ",
          "0x10",
          "1.5",
          "",
        ),
        fc.constantFrom(
          "new",
          "active",
          "retry",
          "expired",
          "terminated",
          "complete",
          "completed",
          "blocked",
          "queue_error",
          "unreachable",
          "NEW",
          "any",
        ),
        fc.constantFrom("ndjson", "json", "NDJSON", "ndjson\u0000"),
        timestamp,
        nastyString,
      ),
      fc.boolean(),
    ),
    { maxLength: 5 },
  )
  .map((pairs) => pairs.map(([k, v, encode]) => (encode ? `${enc(k)}=${enc(v)}` : `${k}=${v}`)).join("&"));

/** A path segment: encoded as a client would, or raw with traversal and escapes left in. */
export function segment(names: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: names.map(enc), weight: 3 },
    {
      arbitrary: fc.constantFrom(
        "..",
        ".",
        "%2e%2e",
        "..%2F..%2Fetc",
        "a%2Fb",
        "%00",
        "a%00b",
        "%zz",
        "%",
        "%c0%ae%c0%ae",
        "%F0%9F%98%80",
        "%EF%BC%A5MAIL",
      ),
      weight: 1,
    },
  );
}

/** A request for fetch. */
export interface FetchSpec {
  method: string;
  /** Path and query, e.g. `/v1/tasks?limit=5`. */
  target: string;
  headers: Record<string, string>;
  body?: Uint8Array;
}

/** Header values fetch can carry (printable ASCII), hostile where they can be. */
const headerValue = fc.oneof(
  fc.string({ maxLength: 40, unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) }),
  fc.constantFrom("", "a".repeat(128), "a".repeat(129), "x".repeat(4_000)),
);

/**
 * Optional headers on any request: Idempotency-Key, content types (mostly JSON), an Authorization
 * canary. fetchRequests declares a body JSON when these name no type, and adds a browser's Origin or
 * Sec-Fetch-Site now and then.
 */
export function headers(auth: string): fc.Arbitrary<Record<string, string>> {
  return fc
    .record(
      {
        "idempotency-key": headerValue,
        // Mostly JSON, so bodies reach the decoders; the rest are refused with 415.
        "content-type": fc.oneof(
          { arbitrary: fc.constantFrom("application/json", "Application/JSON; charset=utf-8"), weight: 6 },
          {
            arbitrary: fc.constantFrom(
              "text/plain",
              "application/json; charset=utf-16",
              "multipart/form-data; boundary=x",
              "application/x-www-form-urlencoded",
              "",
              "*/*",
            ),
            weight: 2,
          },
        ),
        authorization: fc.constant(`Bearer ${auth}`),
        accept: fc.constantFrom("*/*", "application/x-ndjson", "text/html"),
        "x-fuzz": headerValue,
      },
      { requiredKeys: [] },
    )
    .map(
      (h) =>
        Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as Record<string, string>,
    );
}

/** Every operation (and wrong methods and unknown paths) with hostile inputs, for fetch. */
export function fetchRequests(opts: {
  names: fc.Arbitrary<string>;
  auth: string;
  /** Spliced into query strings and bodies: must never reach the log. */
  secret: string;
}): fc.Arbitrary<FetchSpec> {
  const { names, auth, secret } = opts;
  const seg = segment(names);
  const b = bodies(names);
  const q = fc.oneof(
    { arbitrary: fc.constant(""), weight: 3 },
    { arbitrary: listQuery, weight: 2 },
    { arbitrary: fc.constant(`token=${secret}`), weight: 1 },
  );
  const withQuery = (p: string, query: string) => (query === "" ? p : `${p}?${query}`);
  const json = (a: fc.Arbitrary<Record<string, unknown>>) =>
    fc.oneof(
      { arbitrary: a.map((o) => encodeBody(o)), weight: 6 },
      { arbitrary: a.map((o) => encodeBody({ ...o, payload: { secret } })), weight: 1 },
      { arbitrary: brokenBody, weight: 1 },
    );
  const op = (method: string, path: fc.Arbitrary<string>, body?: fc.Arbitrary<Uint8Array | undefined>) =>
    fc.record({
      method: fc.constant(method),
      path,
      query: q,
      body: body ?? rarely(fc.constant(encodeBody({ secret })), 10),
    });
  const metaPath = fc.constantFrom(
    "/healthz",
    "/readyz",
    "/v1/openapi.json",
    "/v1/info",
    "/v1/retry-policies",
  );
  const some = fc.oneof(
    { arbitrary: op("GET", metaPath, fc.constant(undefined)), weight: 2 },
    { arbitrary: op("GET", fc.constant("/v1/tasks"), fc.constant(undefined)), weight: 1 },
    { arbitrary: op("POST", fc.constant("/v1/tasks"), json(b.task)), weight: 8 },
    {
      arbitrary: op(
        "GET",
        seg.map((s) => `/v1/tasks/${s}`),
        fc.constant(undefined),
      ),
      weight: 2,
    },
    {
      arbitrary: op(
        "DELETE",
        seg.map((s) => `/v1/tasks/${s}`),
      ),
      weight: 2,
    },
    {
      arbitrary: op(
        "POST",
        seg.map((s) => `/v1/tasks/${s}/retry`),
      ),
      weight: 2,
    },
    { arbitrary: op("POST", fc.constant("/v1/tasks/retry"), json(b.bulkRetry)), weight: 2 },
    { arbitrary: op("GET", fc.constant("/v1/queues"), fc.constant(undefined)), weight: 1 },
    { arbitrary: op("POST", fc.constant("/v1/queues"), json(b.queue)), weight: 4 },
    {
      arbitrary: op(
        "GET",
        seg.map((s) => `/v1/queues/${s}`),
        fc.constant(undefined),
      ),
      weight: 2,
    },
    {
      arbitrary: op(
        "DELETE",
        seg.map((s) => `/v1/queues/${s}`),
      ),
      weight: 1,
    },
    {
      arbitrary: op(
        "POST",
        seg.map((s) => `/v1/queues/${s}/purge`),
      ),
      weight: 1,
    },
    { arbitrary: op("GET", fc.constant("/v1/schedules"), fc.constant(undefined)), weight: 1 },
    { arbitrary: op("POST", fc.constant("/v1/schedules"), json(b.schedule)), weight: 4 },
    {
      arbitrary: op(
        "GET",
        seg.map((s) => `/v1/schedules/${s}`),
        fc.constant(undefined),
      ),
      weight: 2,
    },
    {
      arbitrary: op(
        "DELETE",
        seg.map((s) => `/v1/schedules/${s}`),
      ),
      weight: 1,
    },
    {
      arbitrary: op(
        "PUT",
        fc.constantFrom("/v1/tasks", "/v1/queues", "/v1/schedules", "/v1/tasks/x", "/v1/info", "/healthz"),
      ),
      weight: 1,
    },
    {
      arbitrary: op(
        "GET",
        fc.array(seg, { minLength: 1, maxLength: 5 }).map((s) => `/${s.join("/")}`),
        fc.constant(undefined),
      ),
      weight: 1,
    },
  );
  // TRACE goes raw only: Bun's fetch drops the body of a TRACE response.
  const methodSwap = fc.constantFrom("PATCH", "OPTIONS", "HEAD", "DELETE", "POST", "GET");
  // Now and then a browser's headers: a foreign Origin or Sec-Fetch-Site is refused (403) on
  // anything but GET and HEAD, the server's own origin is let through.
  const origin = rarely(fc.constantFrom("null", "https://evil.example", "http://127.0.0.1"), 8);
  const site = rarely(fc.constantFrom("cross-site", "same-origin", "none"), 8);
  return fc
    .tuple(some, headers(auth), rarely(methodSwap, 8), fc.nat(9), origin, site)
    .map(([r, h, swap, undeclared, o, fetchSite]) => {
      const method = swap ?? r.method;
      const body = method === "GET" || method === "HEAD" ? undefined : r.body;
      const hs = { ...h };
      if (o !== undefined) hs.origin = o;
      if (fetchSite !== undefined) hs["sec-fetch-site"] = fetchSite;
      // A body without a type is refused (415): let one in ten go that way.
      if (body !== undefined && hs["content-type"] === undefined && undeclared > 0) {
        hs["content-type"] = "application/json";
      }
      return { method, target: withQuery(r.path, r.query), headers: hs, body };
    });
}

/** A raw request: the bytes, and the method and path the answer is checked against. */
export interface RawSpec {
  method: string;
  path: string;
  bytes: Buffer;
}

const rawPathByte = fc.oneof(
  { arbitrary: fc.integer({ min: 0x21, max: 0x7e }), weight: 6 },
  { arbitrary: fc.integer({ min: 0x80, max: 0xff }), weight: 1 },
  { arbitrary: fc.constantFrom(0x00, 0x09, 0x20, 0x7f, 0x0b, 0x0c), weight: 1 },
);

/**
 * Requests only a hostile client sends: raw bytes in paths and header values, malformed header
 * lines, duplicate or contradictory framing headers, odd versions and methods, chunked bodies with
 * broken framing, invalid UTF-8 anywhere. Every request carries exactly one Host header and a
 * complete body (as its own framing tells), so a silent server is a failure.
 */
export function rawRequests(opts: {
  names: fc.Arbitrary<string>;
  auth: string;
  secret: string;
}): fc.Arbitrary<RawSpec> {
  const { names, auth, secret } = opts;
  const b = bodies(names);
  const path = fc.oneof(
    fc.constantFrom("/v1/tasks", "/v1/queues", "/v1/schedules", "/v1/tasks/retry", "/healthz", "/v1/info"),
    segment(names).map((s) => `/v1/tasks/${s}`),
    segment(names).map((s) => `/v1/queues/${s}/purge`),
    fc
      .array(rawPathByte, { minLength: 1, maxLength: 40 })
      .map((a) => `/v1/tasks/${Buffer.from(a).toString("latin1")}`),
    fc.constantFrom(
      "*",
      "http://x/v1/queues",
      "//v1/queues",
      "/v1//tasks",
      "/v1/tasks/",
      "/%2e%2e/v1/info",
      "/v1/./info",
      "v1/info",
      "/v1/info#frag",
      "/v1/info?a=1#b",
    ),
  );
  const method = fc.oneof(
    { arbitrary: fc.constantFrom("GET", "POST", "DELETE"), weight: 6 },
    {
      arbitrary: fc.constantFrom(
        "PUT",
        "PATCH",
        "OPTIONS",
        "HEAD",
        "TRACE",
        "CONNECT",
        "get",
        "G\u00c9T",
        "X-Y",
        "",
      ),
      weight: 1,
    },
  );
  const version = fc.oneof(
    { arbitrary: fc.constant("HTTP/1.1"), weight: 8 },
    { arbitrary: fc.constantFrom("HTTP/1.0", "HTTP/2.0", "HTTP/1.2", "HTTP/9", "http/1.1", ""), weight: 1 },
  );
  const headerLine = fc.oneof(
    fc
      .tuple(
        fc.constantFrom("Idempotency-Key", "Content-Type", "X-A", "Accept", "Authorization"),
        fc.uint8Array({ maxLength: 30 }),
      )
      .map(([k, v]) =>
        Buffer.concat([
          Buffer.from(`${k}: `),
          Buffer.from(v.map((c) => (c === 0x0d || c === 0x0a ? 0x61 : c))),
          Buffer.from("\r\n"),
        ]),
      ),
    fc
      .constantFrom(
        "X-Folded: a\r\n  b\r\n",
        "X-NoColon\r\n",
        ": empty-name\r\n",
        "X A: space-in-name\r\n",
        "X-Nul: a\u0000b\r\n",
        "Content-Length: 5\r\n",
        "Content-Length: -1\r\n",
        "Content-Length: 1, 1\r\n",
        "Transfer-Encoding: gzip\r\n",
        "Transfer-Encoding: chunked, chunked\r\n",
        "Expect: 100-continue\r\n",
        "Connection: upgrade\r\nUpgrade: websocket\r\n",
        `Authorization: Basic ${Buffer.from(`user:${auth}`).toString("base64")}\r\n`,
        `X-Long: ${"h".repeat(9_000)}\r\n`,
      )
      .map((s) => Buffer.from(s, "latin1")),
  );
  const body = fc.oneof(
    b.task.map((o) => encodeBody(o)),
    b.queue.map((o) => encodeBody(o)),
    fc.constant(encodeBody({ type: "t", payload: secret })),
    brokenBody,
  );
  const framing = fc.constantFrom("length", "chunked", "none", "chunked-bad");
  return fc
    .record({
      method,
      path,
      query: fc.oneof(
        fc.constant(""),
        listQuery.map((x) => `?${x}`),
        fc.constant(`?secret=${secret}`),
      ),
      version,
      lines: fc.array(headerLine, { maxLength: 4 }),
      body,
      framing,
      // Most bodies are declared JSON, so they get past the 415 to the framing and the decoders.
      declared: fc.oneof(
        { arbitrary: fc.constant(true), weight: 4 },
        { arbitrary: fc.constant(false), weight: 1 },
      ),
    })
    .map((r) => {
      const type = r.declared && r.framing !== "none" ? "Content-Type: application/json\r\n" : "";
      const head = Buffer.from(
        `${r.method} ${r.path}${r.query} ${r.version}\r\nHost: 127.0.0.1\r\n${type}`,
        "latin1",
      );
      let framed: Buffer[];
      const bodyBuf = Buffer.from(r.body);
      if (r.framing === "length")
        framed = [Buffer.from(`Content-Length: ${bodyBuf.length}\r\n\r\n`), bodyBuf];
      else if (r.framing === "chunked") {
        const half = bodyBuf.length >> 1;
        const chunk = (c: Buffer) =>
          c.length === 0 ? [] : [Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from("\r\n")];
        framed = [
          Buffer.from("Transfer-Encoding: chunked\r\n\r\n"),
          ...chunk(bodyBuf.subarray(0, half)),
          ...chunk(bodyBuf.subarray(half)),
          Buffer.from("0\r\n\r\n"),
        ];
      } else if (r.framing === "chunked-bad") {
        framed = [
          Buffer.from(`Transfer-Encoding: chunked\r\n\r\nzz;ext\r\n`),
          bodyBuf,
          Buffer.from("\r\n0\r\n\r\n"),
        ];
      } else framed = [Buffer.from("\r\n")];
      // Without framing of our own, framing headers in the extra lines would promise a body.
      const lines =
        r.framing === "none"
          ? r.lines.filter((l) => !/^(content-length|transfer-encoding|expect):/i.test(l.toString("latin1")))
          : r.lines;
      return {
        method: r.method,
        path: `${r.path}${r.query}`,
        bytes: Buffer.concat([head, ...lines, ...framed]),
      };
    });
}

/** True when a request target's path names `name` (also percent-encoded): keep DELETE off it. */
export function pathNames(target: string, name: string): boolean {
  const path = target.split("?")[0]!;
  try {
    return decodeURIComponent(path).includes(name);
  } catch {
    return path.includes(name);
  }
}
