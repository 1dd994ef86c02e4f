import type { ChatMessage, Notifier, PostedMessage } from '../ports/notifier.js';
import { once } from './once.js';
import { awsSecrets } from './secrets-manager.js';
import { SlackWebApi } from './slack-web-api.js';

/**
 * Slack's Web API (slack-web-api.ts): chat.postMessage, chat.update and usergroups.users.list
 * with the bot token; response_url answers are a plain POST (they need no token).
 */
export class SlackNotifier implements Notifier {
  private client: { token: string; web: SlackWebApi } | undefined;

  constructor(
    private readonly token: () => Promise<string>,
    private readonly slackApiUrl?: string,
  ) {}

  private async web(): Promise<SlackWebApi> {
    const token = await this.token();
    if (this.client?.token !== token) {
      this.client = {
        token,
        // A notification is retried by its caller (the stream's retry); keep each call short.
        web: new SlackWebApi(token, {
          retries: 2,
          ...(this.slackApiUrl ? { apiUrl: this.slackApiUrl } : {}),
        }),
      };
    }
    return this.client.web;
  }

  async post(
    channel: string,
    message: ChatMessage,
    thread?: { ts: string; broadcast?: boolean },
  ): Promise<PostedMessage> {
    const web = await this.web();
    const result = await web.call<{ channel?: string; ts?: string }>('chat.postMessage', {
      channel,
      text: message.text,
      ...(message.blocks ? { blocks: message.blocks } : {}),
      ...(thread ? { thread_ts: thread.ts, reply_broadcast: thread.broadcast ?? false } : {}),
    });
    if (!result.ts || !result.channel) throw new Error('chat.postMessage returned no ts');
    return { channel: result.channel, ts: result.ts };
  }

  async update(message: PostedMessage, content: ChatMessage): Promise<void> {
    const web = await this.web();
    await web.call('chat.update', {
      channel: message.channel,
      ts: message.ts,
      text: content.text,
      blocks: content.blocks ?? [],
    });
  }

  async respond(responseUrl: string, message: ChatMessage & { ephemeral: boolean }): Promise<void> {
    // response_url only ever points at Slack; anything else is not ours to POST to.
    if (!/^https:\/\/hooks\.slack\.com\//.test(responseUrl))
      throw new Error('response_url is not a Slack URL');
    const response = await fetch(responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        text: message.text,
        ...(message.blocks ? { blocks: message.blocks } : {}),
        response_type: message.ephemeral ? 'ephemeral' : 'in_channel',
        replace_original: false,
      }),
    });
    if (!response.ok) throw new Error(`response_url answered ${response.status}`);
  }

  async groupMembers(groupId: string): Promise<string[]> {
    const web = await this.web();
    const result = await web.call<{ users?: string[] }>('usergroups.users.list', { usergroup: groupId });
    return result.users ?? [];
  }
}

/** The Notifier port on AWS: Slack with the bot token from Secrets Manager. */
export const awsNotifier = (): Notifier =>
  once('slack', () => new SlackNotifier(() => awsSecrets().get('slack-bot-token')));
