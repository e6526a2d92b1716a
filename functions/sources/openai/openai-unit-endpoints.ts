import type { UsageUnit } from '../../domain/records/usage-record';

/** The usage endpoints measured in something other than (or besides) tokens. */
export type OpenAiUnitEndpoint =
  | 'images'
  | 'audio_speeches'
  | 'audio_transcriptions'
  | 'moderations'
  | 'vector_stores'
  | 'code_interpreter_sessions'
  | 'file_search_calls'
  | 'web_search_calls';

/** How one unit endpoint is read: its result object, its metric, its unit, and the model for results without one. */
export interface OpenAiUnitEndpointSpec {
  object: string;
  metric: string;
  unit: UsageUnit;
  /** Grouping fields costline asks for (the API's `group_by`). */
  groupBy: readonly string[];
  /** `UsageRecord.model` when the endpoint reports no model (it has none, or the result's model is null). */
  modelless: string;
  /** Whether results carry `num_model_requests`. */
  modelRequests: boolean;
}

/** The facts of addendum §A4.6, one entry per endpoint (note the object names of the two search endpoints). */
export const OPENAI_UNIT_ENDPOINTS: Record<OpenAiUnitEndpoint, OpenAiUnitEndpointSpec> = {
  images: { object: 'organization.usage.images.result', metric: 'images', unit: 'images', groupBy: ['project_id', 'api_key_id', 'model'], modelless: 'images', modelRequests: true },
  audio_speeches: { object: 'organization.usage.audio_speeches.result', metric: 'characters', unit: 'characters', groupBy: ['project_id', 'api_key_id', 'model'], modelless: 'audio-speech', modelRequests: true },
  audio_transcriptions: { object: 'organization.usage.audio_transcriptions.result', metric: 'seconds', unit: 'seconds', groupBy: ['project_id', 'api_key_id', 'model'], modelless: 'audio-transcription', modelRequests: true },
  moderations: { object: 'organization.usage.moderations.result', metric: 'input_tokens', unit: 'requests', groupBy: ['project_id', 'api_key_id', 'model'], modelless: 'moderation', modelRequests: true },
  vector_stores: { object: 'organization.usage.vector_stores.result', metric: 'usage_bytes', unit: 'gibibyte-days', groupBy: ['project_id'], modelless: 'vector-store', modelRequests: false },
  code_interpreter_sessions: { object: 'organization.usage.code_interpreter_sessions.result', metric: 'num_sessions', unit: 'sessions', groupBy: ['project_id'], modelless: 'code-interpreter', modelRequests: false },
  file_search_calls: { object: 'organization.usage.file_searches.result', metric: 'num_requests', unit: 'calls', groupBy: ['project_id', 'api_key_id'], modelless: 'file-search', modelRequests: false },
  web_search_calls: { object: 'organization.usage.web_searches.result', metric: 'num_requests', unit: 'calls', groupBy: ['project_id', 'api_key_id', 'model'], modelless: 'web-search', modelRequests: true },
};
