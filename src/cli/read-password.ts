// Reads a new password for `users set-password`: hidden, asked twice, on a terminal; otherwise the first line of
// stdin, so scripts can pipe it in. Never echoes it and never puts it on the command line.
import { ConfigError } from '../lib/errors.ts';

const maxLineLength = 8192;

export async function readNewPassword(stdin: NodeJS.ReadStream, prompt: (text: string) => void): Promise<string> {
  if (!stdin.isTTY) return readFirstLine(stdin);
  const first = await readHidden(stdin, prompt, 'New password: ');
  if (!first) return first;
  const second = await readHidden(stdin, prompt, 'Repeat it: ');
  if (first !== second) throw new ConfigError('The two passwords differ; nothing was changed');
  return first;
}

async function readFirstLine(stdin: NodeJS.ReadStream): Promise<string> {
  stdin.setEncoding('utf8');
  let text = '';
  for await (const chunk of stdin) {
    text += String(chunk);
    if (text.includes('\n') || text.length > maxLineLength) break;
  }
  return (text.split('\n')[0] ?? '').replace(/\r$/, '');
}

function readHidden(stdin: NodeJS.ReadStream, prompt: (text: string) => void, question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    prompt(question);
    let value = '';
    const finish = (error?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      prompt('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n' || char === '\u0004') return finish();
        if (char === '\u0003') return finish(new ConfigError('Cancelled; nothing was changed'));
        if (char === '\u007f' || char === '\b') value = [...value].slice(0, -1).join('');
        else if (char >= ' ') value += char;
      }
    };
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.on('data', onData);
    stdin.resume();
  });
}
