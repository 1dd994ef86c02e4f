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

/** The links a deployment status carries on GitHub (its "View deployment" and its log). */
export interface DeploymentLinks {
  /** Where the environment is reached: the configured `url`, else the listener's (locally). */
  environmentUrl?: string;
  /** Where a person follows the release: the execution's console page on AWS, the local page locally. */
  logUrl?: string;
}

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
    links?: DeploymentLinks,
  ): Promise<void>;
  /** The page where a person follows one release's execution, where the backend has one. */
  logUrl?(release: { releaseId: string; environment: string; executionName: string }): string | undefined;
  /** The environment's address when the config names none (locally, its listener's URL). */
  environmentUrl?(environment: string): string | undefined;
}
