/** A chat message: text for notifications and screen readers, Block Kit blocks for the layout. */
export interface ChatMessage {
  text: string;
  blocks?: unknown[];
}

export interface PostedMessage {
  channel: string;
  ts: string;
}

/** Posts release messages to Slack (locally, to the `sluice serve` page). */
export interface Notifier {
  /** chat.postMessage; in a thread when threadTs is given (broadcast also shows it in the channel). */
  post(
    channel: string,
    message: ChatMessage,
    thread?: { ts: string; broadcast?: boolean },
  ): Promise<PostedMessage>;
  /** chat.update of a message the app posted. */
  update(message: PostedMessage, content: ChatMessage): Promise<void>;
  /** Answers an interaction through its response_url; ephemeral ones only the clicking user sees. */
  respond(responseUrl: string, message: ChatMessage & { ephemeral: boolean }): Promise<void>;
  /** The members of a user group (usergroups.users.list). */
  groupMembers(groupId: string): Promise<string[]>;
}

export type DeploymentState = 'in_progress' | 'success' | 'failure' | 'inactive';

/** GitHub Deployments: where each commit runs, per environment. */
export interface DeploymentTracker {
  create(request: {
    repository: string;
    sha: string;
    environment: string;
    description: string;
  }): Promise<number>;
  setStatus(
    repository: string,
    deploymentId: number,
    state: DeploymentState,
    description: string,
  ): Promise<void>;
}
