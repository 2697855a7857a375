import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

/** The person pressed Ctrl-C or closed the input (Ctrl-D) at a prompt. */
export class PromptCancelled extends Error {
  constructor() {
    super('cancelled: nothing was created');
  }
}

/** Standard input as the prompt needs it: a terminal can be switched to raw mode. */
export type PromptInput = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?(mode: boolean): unknown };

/** Questions asked on a terminal whose answers are not shown; close it when done. */
export interface HiddenPrompt {
  ask(question: string): Promise<string>;
  close(): void;
}

/**
 * Reads answers from a terminal without showing them.
 *
 * node:readline in terminal mode switches the terminal to raw mode, so the terminal itself no longer echoes what
 * is typed, and echoes each key (with its line editing) through its output stream instead. Giving readline an
 * output that drops everything leaves nothing typed on the screen, while backspace and Ctrl-U still edit the line;
 * raw mode is switched off again when the interface closes. Questions go to `output` directly. One interface serves
 * every question, so an answer typed (or pasted) ahead is kept for the next question rather than lost.
 */
export function hiddenPrompt(input: PromptInput, output: NodeJS.WritableStream): HiddenPrompt {
  const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
  const readline = createInterface({ input, output: discard, terminal: true, historySize: 0 });
  const typedAhead: string[] = [];
  let waiting: { resolve(line: string): void; reject(error: Error): void } | undefined;
  let closed = false;
  readline.on('line', (line) => {
    if (waiting === undefined) return void typedAhead.push(line);
    const { resolve } = waiting;
    waiting = undefined;
    output.write('\n');
    resolve(line);
  });
  readline.on('SIGINT', () => readline.close());
  readline.on('close', () => {
    closed = true;
    if (waiting === undefined) return;
    output.write('\n');
    waiting.reject(new PromptCancelled());
    waiting = undefined;
  });
  return {
    ask(question) {
      output.write(question);
      const ahead = typedAhead.shift();
      if (ahead !== undefined) {
        output.write('\n');
        return Promise.resolve(ahead);
      }
      if (closed) {
        output.write('\n');
        return Promise.reject(new PromptCancelled());
      }
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
      });
    },
    close: () => readline.close(),
  };
}

/** The first line of `input` (for `--password-stdin`), without its line ending; reads no further than that line. */
export async function readFirstLine(input: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  input.setEncoding('utf8');
  for await (const chunk of input) {
    text += chunk as string;
    if (text.includes('\n')) break;
  }
  return text.split('\n')[0]!.replace(/\r$/, '');
}
