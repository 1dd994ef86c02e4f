/** Named secrets; values never leave the process in logs, errors or execution input. */
export interface Secrets {
  get(name: SecretName): Promise<string>;
  /**
   * Reads the secret again past any cache, after a signature did not match: the secret may have
   * been rotated since it was cached. Rate-limited per name, so a flood of bad signatures costs
   * at most one read per interval; within it, the value in hand is returned.
   */
  reread(name: SecretName): Promise<string>;
}

export type SecretName = 'github-webhook' | 'github-token' | 'slack-signing' | 'slack-bot-token';
