export { createRecommender } from './create-recommender.js';
export type { Recommender } from '../contract/recommender.js';
export { PocketrankError, isPocketrankError } from '../contract/pocketrank-error.js';
export type { PocketrankErrorCode } from '../contract/pocketrank-error.js';
export { EVENT_TYPES, validateEvent } from '../contract/event-schema.js';
export { defineRecsElement, reasonText } from './recs-element.js';
export { CHANGE_EVENT } from './change-event.js';
export type { RecsElementOptions } from './recs-element.js';
export { defineSearchElement } from './search-element.js';
export type { SearchElementOptions } from './search-element.js';
export { SCENARIOS } from './validate-options.js';
export type { EventType, EventContext, TrackInput, TrackedEvent } from '../contract/event-schema.js';
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
} from '../contract/types.js';
export type { RerankedItem, RerankOptions, SearchHit, SearchOptions } from '../contract/search-types.js';
export type {
  ArmScenario,
  Experiment,
  ExperimentArm,
  ExperimentCounts,
  ExperimentReportResult,
  ExperimentStatus,
} from '../contract/experiment-types.js';
