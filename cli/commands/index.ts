import type { Command } from 'commander';
import { addDoctorCommand } from '../doctor.js';
import { addAbortCommand } from './abort.js';
import { addApprovalCommands } from './approval.js';
import { addDemoCommand } from './demo.js';
import { addFreezeCommand } from './freeze.js';
import { addPlanCommand } from './plan.js';
import { addRollbackCommand } from './rollback.js';
import { addSchemaCommand } from './schema.js';
import { addServeCommand } from './serve.js';
import { addStatusCommand } from './status.js';
import { addTimelineCommand } from './timeline.js';
import { addValidateCommand } from './validate.js';

/** Adds one or more commands to the program. */
export type CommandModule = (program: Command) => void;

/** Every `sluice` command, in the order `--help` lists them. */
export const COMMANDS: readonly CommandModule[] = [
  addValidateCommand,
  addSchemaCommand,
  addPlanCommand,
  addDemoCommand,
  addServeCommand,
  addStatusCommand,
  addTimelineCommand,
  addRollbackCommand,
  addAbortCommand,
  addFreezeCommand,
  addDoctorCommand,
  addApprovalCommands,
];
