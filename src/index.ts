export { createRecommender } from './create-recommender.js';
export type { Recommender } from './create-recommender.js';
export { PocketrankError, isPocketrankError } from './pocketrank-error.js';
export type { PocketrankErrorCode } from './pocketrank-error.js';
export { EVENT_TYPES, validateEvent } from './event-schema.js';
export { defineRecsElement, reasonText, CHANGE_EVENT } from './recs-element.js';
export type { RecsElementOptions } from './recs-element.js';
export { SCENARIOS } from './validate-options.js';
export type { EventType, EventContext, TrackInput, TrackedEvent } from './event-schema.js';
export type {
  AdapterInfo,
  AttributeValue,
  BackendName,
  BackendPreference,
  CatalogItem,
  ConsentState,
  ContributionResult,
  Explanation,
  FederationPrivacy,
  PersonalizeOptions,
  PersonalizeResult,
  Recommendation,
  RecommenderOptions,
  RecommenderStatus,
  RecommendQuery,
  Scenario,
  Startup,
  StoredData,
} from './types.js';
