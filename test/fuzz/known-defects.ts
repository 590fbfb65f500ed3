// Library defects the fuzzer found and that are still open. Each has its minimal reproduction in defects.test.ts,
// written as the correct behaviour and marked `it.fails` until src/ is fixed. While one is open, a case whose
// problem is exactly that defect's symptom is counted under its id (printed with the run) instead of failing the
// run; anything else fails. None is open: sm-queue-dropped and max-depth-unenforced were fixed.

/** Stream management at the moment a session was lost (the RECONNECTING status). */
export interface Loss {
  /** `<enabled/>` came, with a resumption id. */
  resumable: boolean;
  /** Stanzas the server had not acknowledged. */
  unacked: number;
}

/** An open defect: its id and whether a case's pending acked()/sendIQ() is exactly its symptom. */
export interface KnownDefect {
  id: string;
  matches: (losses: readonly Loss[], statuses: readonly string[]) => boolean;
}

export const KNOWN_DEFECTS: readonly KnownDefect[] = [];
