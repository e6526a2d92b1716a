/** The `npm run local` entry point: runs the CLI and exits with its code. */
import { runCli } from './run-cli';

runCli(process.argv.slice(2)).then((code) => process.exit(code));
