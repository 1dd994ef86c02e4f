/**
 * A small typed Block Kit builder: the blocks Sluice's messages use, each clamped to Slack's
 * documented limits as it is built, so dynamic text (a commit message, an alarm's reason) can
 * never make Slack reject a message (`invalid_blocks`) and with it a notification.
 * Limits: https://docs.slack.dev/reference/block-kit/blocks (50 blocks per message),
 * …/blocks/section-block (text 1–3,000; fields ≤ 10 of ≤ 2,000; block_id ≤ 255),
 * …/blocks/header-block (plain text ≤ 150), …/blocks/context-block (≤ 10 elements),
 * …/blocks/actions-block (≤ 25 elements), …/block-elements/button-element (text ≤ 75,
 * action_id ≤ 255, value ≤ 2,000), …/composition-objects/confirmation-dialog-object
 * (title ≤ 100, text ≤ 300, confirm/deny ≤ 30).
 */

export const BLOCK_KIT_LIMITS = {
  blocksPerMessage: 50,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  contextText: 3000,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  blockId: 255,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
} as const;

export interface PlainText {
  type: 'plain_text';
  text: string;
}
export interface Mrkdwn {
  type: 'mrkdwn';
  text: string;
}
export type TextObject = PlainText | Mrkdwn;

export interface Confirm {
  title: PlainText;
  text: Mrkdwn;
  confirm: PlainText;
  deny: PlainText;
}

export interface Button {
  type: 'button';
  text: PlainText;
  action_id: string;
  value: string;
  style?: 'primary' | 'danger';
  confirm?: Confirm;
}

export interface HeaderBlock {
  type: 'header';
  text: PlainText;
}
export interface SectionBlock {
  type: 'section';
  text?: Mrkdwn;
  fields?: Mrkdwn[];
}
export interface ContextBlock {
  type: 'context';
  elements: Mrkdwn[];
}
export interface ActionsBlock {
  type: 'actions';
  block_id: string;
  elements: Button[];
}
export interface DividerBlock {
  type: 'divider';
}
export type Block = HeaderBlock | SectionBlock | ContextBlock | ActionsBlock | DividerBlock;

/** A chat message: `text` is the notification and screen-reader fallback, `blocks` the layout. */
export interface SlackMessage {
  text: string;
  blocks?: Block[];
}

/** Cuts text to a limit with an ellipsis; Slack rejects an over-long text, it does not cut it. */
export function clamp(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

/** Slack escapes only &, < and > in mrkdwn text. */
export const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const plain = (text: string, limit: number): PlainText => ({ type: 'plain_text', text: clamp(text, limit) });
const md = (text: string, limit: number): Mrkdwn => ({ type: 'mrkdwn', text: clamp(text || ' ', limit) });

export const header = (text: string): HeaderBlock => ({
  type: 'header',
  text: plain(text, BLOCK_KIT_LIMITS.headerText),
});
export const section = (text: string): SectionBlock => ({
  type: 'section',
  text: md(text, BLOCK_KIT_LIMITS.sectionText),
});
export const fields = (items: [label: string, value: string][]): SectionBlock => ({
  type: 'section',
  fields: items
    .slice(0, BLOCK_KIT_LIMITS.sectionFields)
    .map(([label, value]) => md(`*${label}*\n${value}`, BLOCK_KIT_LIMITS.fieldText)),
});
export const context = (...texts: string[]): ContextBlock => ({
  type: 'context',
  elements: texts.slice(0, BLOCK_KIT_LIMITS.contextElements).map((t) => md(t, BLOCK_KIT_LIMITS.contextText)),
});
export const divider = (): DividerBlock => ({ type: 'divider' });
export const actions = (blockId: string, elements: Button[]): ActionsBlock => ({
  type: 'actions',
  block_id: clamp(blockId, BLOCK_KIT_LIMITS.blockId),
  elements: elements.slice(0, BLOCK_KIT_LIMITS.actionsElements),
});

export function button(
  text: string,
  actionId: string,
  value: string,
  options: { style?: 'primary' | 'danger'; confirm?: { title: string; text: string; verb: string } } = {},
): Button {
  // A value that does not fit would be cut and then mean something else: refuse it.
  if (value.length > BLOCK_KIT_LIMITS.buttonValue) throw new RangeError(`button value over 2,000 characters`);
  if (actionId.length > BLOCK_KIT_LIMITS.actionId) throw new RangeError(`action_id over 255 characters`);
  const { style, confirm } = options;
  return {
    type: 'button',
    text: plain(text, BLOCK_KIT_LIMITS.buttonText),
    action_id: actionId,
    value,
    ...(style ? { style } : {}),
    ...(confirm
      ? {
          confirm: {
            title: plain(confirm.title, BLOCK_KIT_LIMITS.confirmTitle),
            text: md(confirm.text, BLOCK_KIT_LIMITS.confirmText),
            confirm: plain(confirm.verb, BLOCK_KIT_LIMITS.confirmButton),
            deny: plain('Cancel', BLOCK_KIT_LIMITS.confirmButton),
          },
        }
      : {}),
  };
}

/** A message of at most 50 blocks: the last ones give way to a note that some were left out. */
export function message(text: string, blocks: Block[]): SlackMessage {
  const max = BLOCK_KIT_LIMITS.blocksPerMessage;
  const kept =
    blocks.length <= max
      ? blocks
      : [...blocks.slice(0, max - 1), context(`${blocks.length - max + 1} more lines left out`)];
  // chat.postMessage's top-level text is the notification; 4,000 characters is its documented truncation point.
  return { text: clamp(text, 4000), blocks: kept };
}

/** Every way a message breaks a documented Block Kit limit (empty: none); what tests hold each milestone to. */
export function blockKitProblems(msg: { text: string; blocks?: readonly unknown[] }): string[] {
  const L = BLOCK_KIT_LIMITS;
  const problems: string[] = [];
  const check = (what: string, text: string | undefined, max: number, min = 1) => {
    if (text === undefined || text.length < min || text.length > max)
      problems.push(`${what}: ${text?.length ?? 'no'} characters, allowed ${min}–${max}`);
  };
  if (!msg.text.trim()) problems.push('no fallback text');
  const blocks = (msg.blocks ?? []) as Block[];
  if (blocks.length > L.blocksPerMessage)
    problems.push(`${blocks.length} blocks, allowed ${L.blocksPerMessage}`);
  blocks.forEach((block, i) => {
    const at = `block ${i} (${block.type})`;
    switch (block.type) {
      case 'header':
        check(at, block.text.text, L.headerText);
        break;
      case 'section':
        if (!block.text && !block.fields?.length) problems.push(`${at}: neither text nor fields`);
        if (block.text) check(at, block.text.text, L.sectionText);
        if ((block.fields?.length ?? 0) > L.sectionFields)
          problems.push(`${at}: over ${L.sectionFields} fields`);
        for (const f of block.fields ?? []) check(`${at} field`, f.text, L.fieldText);
        break;
      case 'context':
        if (block.elements.length < 1 || block.elements.length > L.contextElements)
          problems.push(`${at}: ${block.elements.length} elements`);
        for (const e of block.elements) check(`${at} element`, e.text, L.contextText);
        break;
      case 'actions':
        check(`${at} block_id`, block.block_id, L.blockId);
        if (block.elements.length < 1 || block.elements.length > L.actionsElements)
          problems.push(`${at}: ${block.elements.length} elements`);
        for (const b of block.elements) {
          check(`${at} button text`, b.text.text, L.buttonText);
          check(`${at} action_id`, b.action_id, L.actionId);
          check(`${at} value`, b.value, L.buttonValue, 0);
          if (b.confirm) {
            check(`${at} confirm title`, b.confirm.title.text, L.confirmTitle);
            check(`${at} confirm text`, b.confirm.text.text, L.confirmText);
            check(`${at} confirm button`, b.confirm.confirm.text, L.confirmButton);
          }
        }
        break;
      case 'divider':
        break;
      default:
        problems.push(`${at}: unknown block type`);
    }
  });
  return problems;
}

/** The words a person sees in a message: its text and every text object, not ids or values. */
export function visibleText(msg: { text: string; blocks?: readonly unknown[] }): string[] {
  const out = [msg.text];
  const walk = (node: unknown, key?: string): void => {
    if (Array.isArray(node)) for (const n of node) walk(n);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'action_id' || k === 'block_id' || k === 'value' || k === 'url') continue;
        walk(v, k);
      }
    } else if (key === 'text' && typeof node === 'string') out.push(node);
  };
  walk(msg.blocks ?? []);
  return out;
}
