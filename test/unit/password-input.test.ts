import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { hiddenPrompt, PromptCancelled, readFirstLine } from '../../src/cli/commands/password-input.js';

/** Standard input as a terminal: records each switch to and from raw mode (no echo by the terminal). */
class FakeTerminal extends PassThrough {
  readonly isTTY = true;
  readonly rawModes: boolean[] = [];
  setRawMode(mode: boolean): this {
    this.rawModes.push(mode);
    return this;
  }
}

function screen() {
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  return { output, shown: () => text };
}

describe('the hidden password prompt', () => {
  it('puts the terminal in raw mode, shows the question but nothing typed, and restores the terminal', async () => {
    const input = new FakeTerminal();
    const { output, shown } = screen();
    const prompt = hiddenPrompt(input, output);
    expect(input.rawModes).toEqual([true]);
    const answer = prompt.ask('Password: ');
    input.write('correct horse\r');
    expect(await answer).toBe('correct horse');
    prompt.close();
    expect(input.rawModes).toEqual([true, false]);
    expect(shown()).toBe('Password: \n');
  });

  it('lets the person correct what they typed with backspace', async () => {
    const input = new FakeTerminal();
    const { output, shown } = screen();
    const prompt = hiddenPrompt(input, output);
    const answer = prompt.ask('Password: ');
    input.write('secrex\x7ft phrase\r');
    expect(await answer).toBe('secret phrase');
    prompt.close();
    expect(shown()).not.toContain('secre');
  });

  it('keeps an answer typed ahead for the next question', async () => {
    const input = new FakeTerminal();
    const { output, shown } = screen();
    const prompt = hiddenPrompt(input, output);
    const first = prompt.ask('Password: ');
    input.write('first answer\rsecond answer\r');
    expect(await first).toBe('first answer');
    expect(await prompt.ask('Again: ')).toBe('second answer');
    prompt.close();
    expect(shown()).toBe('Password: \nAgain: \n');
  });

  it('is cancelled by Ctrl-C or Ctrl-D', async () => {
    for (const key of ['\x03', '\x04']) {
      const input = new FakeTerminal();
      const { output } = screen();
      const prompt = hiddenPrompt(input, output);
      const answer = prompt.ask('Password: ');
      input.write(key);
      await expect(answer).rejects.toBeInstanceOf(PromptCancelled);
      expect(input.rawModes).toEqual([true, false]);
    }
  });
});

describe('--password-stdin', () => {
  const from = (text: string) => {
    const input = new PassThrough();
    input.end(text);
    return readFirstLine(input);
  };

  it('reads the first line without its line ending', async () => {
    expect(await from('a long passphrase\nsomething else\n')).toBe('a long passphrase');
    expect(await from('a long passphrase\r\n')).toBe('a long passphrase');
    expect(await from('no line ending')).toBe('no line ending');
    expect(await from('  spaces are kept  \n')).toBe('  spaces are kept  ');
    expect(await from('')).toBe('');
  });
});
