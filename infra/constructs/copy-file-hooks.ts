import { isAbsolute, join, relative, sep } from 'node:path';
import type { ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';

/**
 * esbuild command hooks that copy one file into the bundle after bundling. Cross-platform: the copy runs in
 * `node -e`, not `cp`. The source is addressed from `inputDir` when it lies inside the project, so the hook also
 * works if bundling ever falls back to Docker (where the project is mounted at `/asset-input`).
 */
export function copyFileHooks(projectRoot: string, source: string, targetName: string): ICommandHooks {
  const inside = relative(projectRoot, source);
  const insideProject = inside !== '' && !inside.startsWith('..') && !isAbsolute(inside);
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir: string, outputDir: string) => {
      const from = insideProject ? join(inputDir, inside) : source;
      const to = join(outputDir, targetName);
      return [`node -e "require('node:fs').copyFileSync(${jsString(from)}, ${jsString(to)})"`];
    },
  };
}

/** A path as a single-quoted JS string that survives both sh and cmd double quotes. */
function jsString(path: string): string {
  const portable = path.split(sep).join('/');
  if (/["'`$\\%!]/.test(portable)) {
    throw new Error(`Cannot copy ${path} into the bundle: quotes, $, %, ! and backslashes are not supported in paths.`);
  }
  return `'${portable}'`;
}
