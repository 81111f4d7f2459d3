/** The console's pure helpers: payload decoding, durations and limits, the next firing of a schedule. */
import { describe, expect, test } from "bun:test";
import { nextFiring } from "../../console/cron.ts";
import { decodePayload, fmtLimit, fmtNs, textToBase64 } from "../../console/format.ts";

const b64 = (bytes: number[] | string) => Buffer.from(bytes as never).toString("base64");

describe("decodePayload", () => {
  test("JSON is pretty-printed; text stays text; other bytes become hex", () => {
    expect(decodePayload(b64('{"to":"a@b.c","n":[1,2]}'))).toEqual({
      kind: "json",
      text: '{\n  "to": "a@b.c",\n  "n": [\n    1,\n    2\n  ]\n}',
      bytes: 24,
    });
    expect(decodePayload(b64("héllo wörld\n"))).toEqual({ kind: "text", text: "héllo wörld\n", bytes: 14 });
    expect(decodePayload(b64([0xff, 0x00, 0x10]))).toEqual({ kind: "hex", text: "ff 00 10", bytes: 3 });
    // Valid UTF-8 with control bytes is not text either.
    expect(decodePayload(b64([0x41, 0x00, 0x42])).kind).toBe("hex");
    const long = decodePayload(b64(Array.from({ length: 20 }, (_, i) => i + 0x80)));
    expect(long.text.split("\n")).toHaveLength(2);
  });

  test("no payload is none; a string that is not base64 is shown as it is", () => {
    expect(decodePayload(null).kind).toBe("none");
    expect(decodePayload("").kind).toBe("none");
    expect(decodePayload("not base64!")).toEqual({ kind: "text", text: "not base64!", bytes: 11 });
  });

  test("textToBase64 is standard padded base64 of UTF-8", () => {
    expect(textToBase64("ünï")).toBe(Buffer.from("ünï").toString("base64"));
  });
});

test("durations in nanoseconds and limits read as people write them", () => {
  expect(fmtNs(3_600_000_000_000 + 30 * 60e9)).toBe("1h30m");
  expect(fmtNs(1_500_000)).toBe("1ms500µs");
  expect(fmtNs(0)).toBe("unlimited");
  expect(fmtNs(undefined)).toBe("unlimited");
  expect(fmtLimit(-1)).toBe("unlimited");
  expect(fmtLimit(5)).toBe("5");
});

describe("nextFiring", () => {
  const after = new Date("2026-03-10T10:17:30Z");
  test("five fields, descriptors and a time zone", () => {
    expect(nextFiring("0 3 * * *", after)).toEqual({ at: expect.any(Date) });
    const at = (e: string) => {
      const n = nextFiring(e, after);
      return "at" in n ? n.at.toISOString() : JSON.stringify(n);
    };
    expect(at("CRON_TZ=UTC 0 3 * * *")).toBe("2026-03-11T03:00:00.000Z");
    expect(at("TZ=UTC */15 * * * *")).toBe("2026-03-10T10:30:00.000Z");
    expect(at("CRON_TZ=UTC @hourly")).toBe("2026-03-10T11:00:00.000Z");
    expect(at("CRON_TZ=UTC @midnight")).toBe("2026-03-11T00:00:00.000Z");
    // Go's "5/20" means from 5 every 20 to the end of the range.
    expect(at("CRON_TZ=UTC 5/20 * * * *")).toBe("2026-03-10T10:25:00.000Z");
    expect(at("CRON_TZ=Asia/Tokyo 0 9 * * ?")).toBe("2026-03-11T00:00:00.000Z");
  });

  test("@every has no fixed time; an expression it cannot read says why", () => {
    expect(nextFiring("@every 15m", after)).toEqual({ every: "15m" });
    expect(nextFiring("@fortnightly", after)).toEqual({ error: "unknown descriptor @fortnightly" });
    expect("error" in nextFiring("99 * * * *", after)).toBe(true);
  });
});
