import { ConfigError } from '../functions/config/load-config';
import { buildCostlineApp } from './costline-app';

// The CLI sets CDK_OUTDIR, so the App synthesizes itself when this script exits.
try {
  buildCostlineApp();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
