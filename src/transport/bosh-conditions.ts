// Texts of BOSH terminal binding conditions (XEP-0124 §17.2) and failures.
import { safeUrl } from './transport.js';

/** The text reported for a `type="terminate"` body with this condition (the condition itself is the reason). */
export function terminateText(condition: string): string {
  return `BOSH session terminated (${condition})`;
}

/** Why session creation failed when the endpoint could not be reached at all. */
export function unreachableText(service: string, detail: string): string {
  return `cannot reach ${safeUrl(service)} (${detail}): server down, wrong URL, CORS or TLS refused`;
}
