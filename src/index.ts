export { createRecommender } from './create-recommender.js';
export type { Recommender } from './create-recommender.js';
export { PocketrankError, isPocketrankError } from './pocketrank-error.js';
export type { PocketrankErrorCode } from './pocketrank-error.js';
export { EVENT_TYPES, validateEvent } from './event-schema.js';
export type { EventType, EventContext, TrackInput, TrackedEvent } from './event-schema.js';
export type {
  AdapterInfo,
  AttributeValue,
  BackendName,
  BackendPreference,
  CatalogItem,
  ContributionResult,
  FederationPrivacy,
  PersonalizeOptions,
  PersonalizeResult,
  Recommendation,
  RecommenderOptions,
  RecommenderStatus,
  RecommendQuery,
} from './types.js';
