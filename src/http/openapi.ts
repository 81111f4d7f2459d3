/**
 * The OpenAPI document served at `/v1/openapi.json`. Bun imports the YAML natively (and embeds it in
 * the compiled executable); it is turned into JSON text once, when the module loads.
 */
import doc from "../../api/openapi.yaml";

/** The document as JSON text. */
export const OPENAPI_JSON: string = JSON.stringify(doc);
