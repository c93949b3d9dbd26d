import { main } from './main.js';

main(process.argv.slice(2)).then((code) => {
  // Servers keep the process alive on their own; a command that is done sets the exit code only.
  if (code !== undefined) process.exitCode = code;
});
