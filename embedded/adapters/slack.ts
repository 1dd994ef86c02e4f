import type { ChatMessage, Notifier, PostedMessage } from '../../functions/shared/ports/notifier.js';

/** A message as the local Slack holds it: what the page shows instead of a Slack channel. */
export interface LocalMessage {
  channel: string;
  ts: string;
  threadTs?: string;
  broadcast?: boolean;
  text: string;
  blocks?: unknown[];
  postedAt: string;
  updatedAt?: string;
  /** Ephemeral answers to an interaction: only the user who clicked would see them in Slack. */
  ephemeral?: { responseUrl: string };
}

/**
 * The Notifier port without Slack: messages are kept in memory, in order, for `sluice serve`'s
 * page and for tests. Nothing leaves the process.
 */
export class LocalSlack implements Notifier {
  readonly messages: LocalMessage[] = [];
  private counter = 0;
  private readonly listeners = new Set<(message: LocalMessage) => void>();

  constructor(private readonly groups: Record<string, string[]> = {}) {}

  private nextTs(): string {
    this.counter += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(this.counter).padStart(6, '0')}`;
  }

  private add(message: LocalMessage): void {
    this.messages.push(message);
    for (const listener of this.listeners) listener(message);
  }

  /** Called with every new message (posts and ephemeral answers). */
  onMessage(listener: (message: LocalMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async post(
    channel: string,
    message: ChatMessage,
    thread?: { ts: string; broadcast?: boolean },
  ): Promise<PostedMessage> {
    const ts = this.nextTs();
    this.add({
      channel,
      ts,
      text: message.text,
      ...(message.blocks ? { blocks: message.blocks } : {}),
      ...(thread ? { threadTs: thread.ts, broadcast: thread.broadcast ?? false } : {}),
      postedAt: new Date().toISOString(),
    });
    return { channel, ts };
  }

  async update(message: PostedMessage, content: ChatMessage): Promise<void> {
    const found = this.messages.find((m) => m.channel === message.channel && m.ts === message.ts);
    if (!found) throw new Error(`message_not_found: ${message.channel} ${message.ts}`);
    Object.assign(found, {
      text: content.text,
      blocks: content.blocks ?? [],
      updatedAt: new Date().toISOString(),
    });
  }

  async respond(responseUrl: string, message: ChatMessage & { ephemeral: boolean }): Promise<void> {
    this.add({
      channel: 'ephemeral',
      ts: this.nextTs(),
      text: message.text,
      postedAt: new Date().toISOString(),
      ephemeral: { responseUrl },
    });
  }

  async groupMembers(groupId: string): Promise<string[]> {
    return this.groups[groupId] ?? [];
  }
}
