/** `--log-format`: the flag, else AJC_LOG_FORMAT, else text; nothing else. */
import { expect, test } from "bun:test";
import { natsLog, resolveLogFormat } from "../../src/cli/log-format.ts";

test("the flag wins over the environment; text by default; other values are refused", () => {
  expect(resolveLogFormat(undefined, {})).toBe("text");
  expect(resolveLogFormat(undefined, { AJC_LOG_FORMAT: "json" })).toBe("json");
  expect(resolveLogFormat("text", { AJC_LOG_FORMAT: "json" })).toBe("text");
  expect(() => resolveLogFormat(undefined, { AJC_LOG_FORMAT: "yaml" })).toThrow(
    /--log-format must be text or json/,
  );
});

test("NATS connection news: a disconnect is a warning", () => {
  const got: string[] = [];
  const log = natsLog({ info: (m) => got.push(`info ${m}`), warn: (m) => got.push(`warn ${m}`) });
  log("NATS disconnected from a");
  log("NATS reconnected to a");
  expect(got).toEqual(["warn NATS disconnected from a", "info NATS reconnected to a"]);
});
