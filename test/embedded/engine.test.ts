import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { EmbeddedStepFunctions, validationMark } from '../../embedded/engine.js';

const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:engine-test';
const engine = (definition: unknown) =>
  new EmbeddedStepFunctions({ stateMachineArn: ARN, definition: JSON.stringify(definition), functions: {} });

describe('Class: EmbeddedStepFunctions', () => {
  describe('Method: constructor (validation remembered by digest)', () => {
    it('refuses an invalid definition every time, and remembers no pass for it', () => {
      // Prepare: a Pass state whose Next names no state (the ASL spec: Next must name a state)
      const invalid = {
        Comment: randomUUID(),
        StartAt: 'First',
        States: { First: { Type: 'Pass', Next: 'Nowhere' } },
      };

      // Act + Assess
      expect(() => engine(invalid)).toThrow(/invalid/);
      expect(() => engine(invalid)).toThrow(/invalid/);
      expect(existsSync(validationMark(JSON.stringify(invalid))!)).toBe(false);
    });

    it('remembers a definition that passed under its own digest, and a changed one is validated anew', () => {
      // Prepare
      const valid = { Comment: randomUUID(), StartAt: 'Done', States: { Done: { Type: 'Succeed' } } };
      const changed = { ...valid, States: { Done: { Type: 'Fail', Error: 'Changed' } } };

      // Act
      engine(valid);

      // Assess
      expect(existsSync(validationMark(JSON.stringify(valid))!)).toBe(true);
      expect(validationMark(JSON.stringify(changed))).not.toBe(validationMark(JSON.stringify(valid)));
      expect(existsSync(validationMark(JSON.stringify(changed))!)).toBe(false);
    });
  });
});
