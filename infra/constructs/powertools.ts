import { TELEMETRY } from '../../functions/lib/telemetry';

/**
 * The Powertools environment of every function. Names come from `TELEMETRY`, the contract shared with the
 * handlers and the alarms on their metrics.
 */
export function powertoolsEnvironment(): Record<string, string> {
  return {
    POWERTOOLS_SERVICE_NAME: TELEMETRY.serviceName,
    POWERTOOLS_METRICS_NAMESPACE: TELEMETRY.namespace,
    POWERTOOLS_LOG_LEVEL: 'INFO',
  };
}
