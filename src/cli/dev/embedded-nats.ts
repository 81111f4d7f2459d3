/**
 * The nats-server a release build carries (bun build/build.ts --embed-nats): gzipped inside the
 * executable with Bun's file embedding, described by the `AJC_EMBEDDED_NATS` constant the build
 * defines (version, target, SHA-256 of the uncompressed binary). On first use it is extracted to
 * the cache directory; every use checks the extracted file's hash, so a damaged or altered copy is
 * replaced rather than run.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { AjcError } from "../../core/errors.ts";

declare const AJC_EMBEDDED_NATS: string | undefined;

/** What the build recorded about the embedded nats-server. */
export interface EmbeddedNatsInfo {
  /** `v2.15.3`. */
  version: string;
  /** SHA-256 (hex) of the uncompressed executable. */
  sha256: string;
  /** The Bun target it was built for. */
  target: string;
}

/** The embedded nats-server's description, or undefined in a build without one. */
export function embeddedNats(): EmbeddedNatsInfo | undefined {
  if (typeof AJC_EMBEDDED_NATS !== "string" || AJC_EMBEDDED_NATS === "") return undefined;
  return JSON.parse(AJC_EMBEDDED_NATS) as EmbeddedNatsInfo;
}

/** An embedded file by the start and end of its name (Bun adds a content hash in between). */
function embeddedFile(prefix: string, suffix: string): Blob | undefined {
  return Bun.embeddedFiles.find((b) => {
    const name = (b as Blob & { name?: string }).name ?? "";
    return name.startsWith(prefix) && name.endsWith(suffix);
  });
}

/** The license notice of the embedded nats-server and the Go modules in it. */
export async function embeddedNatsNotice(): Promise<string | undefined> {
  return embeddedNats() ? await embeddedFile("nats-server-NOTICE", ".notice")?.text() : undefined;
}

function sha256(data: Uint8Array): string {
  return new Bun.CryptoHasher("sha256").update(data).digest("hex");
}

/** The cached executable's path for `info`, under `cache`. */
export function extractedPath(info: EmbeddedNatsInfo, cache: string): string {
  const exe = process.platform === "win32" ? "nats-server.exe" : "nats-server";
  return join(cache, `nats-server-${info.version}-${info.sha256.slice(0, 16)}`, exe);
}

/**
 * The path of the embedded nats-server, extracted under `cache` when missing or when the copy
 * there does not match its hash. The write goes to a temporary name first, so a concurrent start
 * never runs a half-written file.
 */
export async function extractEmbeddedNats(info: EmbeddedNatsInfo, cache: string): Promise<string> {
  const path = extractedPath(info, cache);
  if (!(existsSync(path) && sha256(readFileSync(path)) === info.sha256)) await extract(info, path);
  // The license notice travels with the binary it covers.
  const noticePath = join(path, "..", "NOTICE.txt");
  if (!existsSync(noticePath)) {
    const notice = await embeddedNatsNotice();
    if (notice) writeFileSync(noticePath, notice);
  }
  return path;
}

async function extract(info: EmbeddedNatsInfo, path: string): Promise<void> {
  const blob = embeddedFile("nats-server", ".gz");
  if (!blob)
    throw new AjcError("internal", "this build says it carries nats-server, but the file is missing");
  const binary = gunzipSync(new Uint8Array(await blob.arrayBuffer()));
  if (sha256(binary) !== info.sha256) {
    throw new AjcError("internal", "the embedded nats-server does not match its recorded SHA-256");
  }
  const dir = join(path, "..");
  mkdirSync(dir, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, binary, { mode: 0o755 });
    chmodSync(tmp, 0o755);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new AjcError("internal", `cannot extract nats-server to ${dir}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
