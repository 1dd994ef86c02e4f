/** Named secrets; values never leave the process in logs, errors or execution input. */
export interface Secrets {
  get(name: SecretName): Promise<string>;
}

export type SecretName = 'github-webhook' | 'github-token' | 'slack-signing' | 'slack-bot-token';
