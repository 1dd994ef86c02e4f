/** What a catch clause holds, read without a cast: an Error's message, or the thrown value as text. */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** A caught error's name, or 'unknown' for a thrown non-Error. */
export const nameOf = (error: unknown): string => (error instanceof Error ? error.name : 'unknown');
