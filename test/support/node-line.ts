/** A process's stderr lines without the one line about a Node.js outside the supported line (`sandbox/node-version.ts`). */
export const withoutNodeVersionLine = (stderr: string): string[] =>
  stderr
    .trim()
    .split('\n')
    .filter(
      (line) => line !== '' && !/^Node\.js v[\d.]+ is outside Bankgate's supported line .*: it runs, /.test(line),
    );
