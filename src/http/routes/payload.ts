/** The payload of a create request: `payload` (any JSON value) or `payload_base64`, never both. */
import { AjcError, isReason } from "../../core/errors.ts";
import { assertBase64, payloadFromJson } from "../../core/task.ts";

/** Base64 of the payload bytes, or null when the request has none. */
export function payloadOf(body: { payload?: unknown; payload_base64?: string }): string | null {
  if (body.payload !== undefined && body.payload_base64 !== undefined) {
    throw new AjcError("payload_both_set", "give payload or payload_base64, not both", { field: "payload" });
  }
  if (body.payload_base64 !== undefined) {
    try {
      return assertBase64(body.payload_base64, "payload_base64");
    } catch (err) {
      // The Go server decodes base64 with the JSON, so bad base64 is its `invalid_json`.
      if (!isReason(err, "invalid_payload")) throw err;
      throw new AjcError("invalid_json", (err as Error).message, { field: "payload_base64" });
    }
  }
  if (body.payload !== undefined) return payloadFromJson(body.payload);
  return null;
}
