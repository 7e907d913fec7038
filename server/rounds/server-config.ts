/** Federation server settings; every one can be set by flag or environment variable. */
export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  /**
   * `postgres://…`: keep state in PostgreSQL, which any number of server processes share (each
   * serves any request of any round); empty: the embedded SQLite file under dataDir.
   */
  database: string;
  /** Clients needed before a round starts, and the most it takes. */
  minClients: number;
  maxClients: number;
  /** Share of the cohort whose shares unmask the round (t = ceil(fraction * n), at least 2). */
  thresholdFraction: number;
  /** SecAgg+ graph degree: each client masks and shares with this many neighbours (0: 4 log2 n, complete up to ~24 clients). */
  neighbors: number;
  /** How long a phase may wait for stragglers once its minimum is met, in ms. */
  phaseDeadlineMs: number;
  /** Length of the federated parameter vector. */
  vectorLength: number;
  /** L2 norm every client update is clipped to, on the client. */
  clip: number;
  /** DP-FedAvg noise multiplier z: the aggregate carries Gaussian noise of std z * clip (0: no DP). */
  noiseMultiplier: number;
  /** Number of devices that could take part (sets the sampling rate q = cohort / population). */
  population: number;
  /** Privacy budget: no round starts once it would push epsilon past this (Infinity: none). */
  epsilonBudget: number;
  /** Delta of the (epsilon, delta) guarantee; 0 means 1 / population. */
  delta: number;
  /** model.json whose encoder weights are version 1 (sets vectorLength); empty: zeros of vectorLength. */
  initialModel: string;
  optimizer: 'fedavg' | 'fedadam';
  serverLearningRate: number;
  /**
   * FedAdam's adaptivity term tau (Adam's epsilon). 1e-7, the epsilon of the centralized Adam it
   * stands in for: at 1e-3 it dwarfed most coordinates' mean updates and froze them (measured:
   * 50 rounds of 128 gained nothing; at 1e-7, 30 rounds tracked centralized Adam step for step).
   */
  serverAdamTau: number;
  /**
   * Federate only the initial model's `dpCoordinates` (public positions where the gradient
   * concentrates): DP noise spreads over every value sent, so fewer values keep more signal.
   */
  dpCoordinates: boolean;
  /**
   * Client weighting (McMahan et al. 2018): 0 weighs every client alike; > 0 is the typical
   * number of next-item examples in a history, and a client weighs min(examples / this, weightCap).
   */
  weightExamples: number;
  /** Largest client weight; at most 1 with DP noise, so one client still moves the sum by at most clip. */
  weightCap: number;
  /** The longest a client may take to send one whole request, in ms (a trickled body is cut off). */
  requestTimeoutMs: number;
  /** Check-ins and round-status requests each IP may make per minute (0: no limit, for simulations). */
  checkinsPerMinute: number;
  statusPerMinute: number;
  /** Status requests held open at once (long polls); past it, a request is answered at once. */
  maxHeldPolls: number;
  /**
   * The check-in window stays open for the phase deadline, or until `cohortPool` times
   * maxClients have checked in; then maxClients of them are drawn at random. 1: the first
   * maxClients to arrive (for simulations, whose clients all arrive at once).
   */
  cohortPool: number;
  /** Admit anyone, without a ticket: only for demos, tests and simulations. */
  openAdmission: boolean;
  /** The shop's ticket key (base64, at least 32 bytes), shared with its backend; see participation-ticket.ts. */
  admissionKey: string;
  /** The shop tickets must name. */
  shop: string;
  /**
   * Epsilon of each reporting period of an experiment's analytics (one release of its counters by
   * the distributed discrete Gaussian; a device reports once per period), at `analyticsDelta`.
   */
  analyticsEpsilon: number;
  /** Delta of the analytics guarantee; 0 means 1 / population. */
  analyticsDelta: number;
  /**
   * The most an analytics round takes. Its vector is tiny, so a client's cost is its SecAgg+
   * neighbourhood's (O(log n)) however large the cohort; and every round of a period carries
   * the period's whole noise, so one large round measures far better than several small ones.
   */
  analyticsMaxClients: number;
  /**
   * Fault injection for tests, 0 otherwise: after claiming a round's unmasking, wait this long
   * first, so a test can kill the claiming process mid-way and see another one finish the round.
   */
  unmaskPauseMs: number;
  /** Most an experiment's periods may spend together (their RDP composed); no period opens past it (Infinity: none). */
  analyticsBudget: number;
}

export const DEFAULT_CONFIG: ServerConfig = {
  port: 8787,
  host: '127.0.0.1',
  dataDir: '.pocketrank-server',
  database: '',
  minClients: 3,
  maxClients: 100,
  thresholdFraction: 2 / 3,
  neighbors: 0,
  phaseDeadlineMs: 30_000,
  vectorLength: 1024,
  clip: 1,
  noiseMultiplier: 0,
  population: 1000,
  epsilonBudget: Infinity,
  delta: 0,
  initialModel: '',
  optimizer: 'fedavg',
  serverLearningRate: 1,
  serverAdamTau: 1e-7,
  dpCoordinates: false,
  weightExamples: 0,
  weightCap: 1,
  requestTimeoutMs: 10_000,
  checkinsPerMinute: 30,
  statusPerMinute: 600,
  maxHeldPolls: 10_000,
  cohortPool: 2,
  openAdmission: false,
  admissionKey: '',
  shop: 'default',
  analyticsEpsilon: 1,
  analyticsDelta: 0,
  analyticsBudget: Infinity,
  analyticsMaxClients: 10_000,
  unmaskPauseMs: 0,
};

const ENV: Record<keyof ServerConfig, string> = {
  port: 'POCKETRANK_PORT',
  host: 'POCKETRANK_HOST',
  dataDir: 'POCKETRANK_DATA_DIR',
  database: 'POCKETRANK_DATABASE_URL',
  minClients: 'POCKETRANK_MIN_CLIENTS',
  maxClients: 'POCKETRANK_MAX_CLIENTS',
  thresholdFraction: 'POCKETRANK_THRESHOLD',
  neighbors: 'POCKETRANK_NEIGHBORS',
  phaseDeadlineMs: 'POCKETRANK_PHASE_DEADLINE_MS',
  vectorLength: 'POCKETRANK_VECTOR_LENGTH',
  clip: 'POCKETRANK_CLIP',
  noiseMultiplier: 'POCKETRANK_NOISE_MULTIPLIER',
  population: 'POCKETRANK_POPULATION',
  epsilonBudget: 'POCKETRANK_EPSILON_BUDGET',
  delta: 'POCKETRANK_DELTA',
  initialModel: 'POCKETRANK_INITIAL_MODEL',
  optimizer: 'POCKETRANK_OPTIMIZER',
  serverLearningRate: 'POCKETRANK_SERVER_LR',
  serverAdamTau: 'POCKETRANK_SERVER_ADAM_TAU',
  dpCoordinates: 'POCKETRANK_DP_COORDINATES',
  weightExamples: 'POCKETRANK_WEIGHT_EXAMPLES',
  weightCap: 'POCKETRANK_WEIGHT_CAP',
  requestTimeoutMs: 'POCKETRANK_REQUEST_TIMEOUT_MS',
  checkinsPerMinute: 'POCKETRANK_CHECKINS_PER_MINUTE',
  statusPerMinute: 'POCKETRANK_STATUS_PER_MINUTE',
  maxHeldPolls: 'POCKETRANK_MAX_HELD_POLLS',
  cohortPool: 'POCKETRANK_COHORT_POOL',
  openAdmission: 'POCKETRANK_OPEN_ADMISSION',
  admissionKey: 'POCKETRANK_ADMISSION_KEY',
  shop: 'POCKETRANK_SHOP',
  analyticsEpsilon: 'POCKETRANK_ANALYTICS_EPSILON',
  analyticsDelta: 'POCKETRANK_ANALYTICS_DELTA',
  analyticsBudget: 'POCKETRANK_ANALYTICS_BUDGET',
  analyticsMaxClients: 'POCKETRANK_ANALYTICS_MAX_CLIENTS',
  unmaskPauseMs: 'POCKETRANK_UNMASK_PAUSE_MS',
};

/** Reads `--kebab-case value` flags over environment variables over defaults; rejects unknown flags. */
export function readConfig(argv: readonly string[], env: Record<string, string | undefined>): ServerConfig {
  const config: Record<string, unknown> = { ...DEFAULT_CONFIG };
  const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const keys = Object.keys(DEFAULT_CONFIG) as (keyof ServerConfig)[];
  const set = (key: keyof ServerConfig, raw: string, source: string) => {
    const fallback = DEFAULT_CONFIG[key];
    if (typeof fallback === 'boolean' && raw !== 'true' && raw !== 'false')
      throw new Error(`${source} must be true or false; got "${raw}"`);
    const value = typeof fallback === 'number' ? Number(raw) : typeof fallback === 'boolean' ? raw === 'true' : raw;
    if (typeof fallback === 'number' && Number.isNaN(value))
      throw new Error(`${source} must be a number; got "${raw}"`);
    config[key] = value;
  };
  for (const key of keys) if (env[ENV[key]] !== undefined) set(key, env[ENV[key]]!, ENV[key]);
  for (let i = 0; i < argv.length; i++) {
    const key = keys.find((k) => `--${kebab(k)}` === argv[i]);
    if (!key || argv[i + 1] === undefined)
      throw new Error(`unknown or incomplete flag ${argv[i]}; flags: ${keys.map((k) => `--${kebab(k)}`).join(' ')}`);
    set(key, argv[++i]!, argv[i - 1]!);
  }
  const c = config as unknown as ServerConfig;
  if (!(c.serverAdamTau > 0)) throw new Error('serverAdamTau must be > 0');
  if (!(c.weightExamples >= 0 && c.weightCap > 0)) throw new Error('need weightExamples >= 0 and weightCap > 0');
  if (c.noiseMultiplier > 0 && c.weightCap > 1)
    throw new Error(
      'weightCap must be <= 1 with DP noise: a heavier client would exceed the sensitivity the noise is calibrated to',
    );
  if (c.dpCoordinates && !c.initialModel) throw new Error('dpCoordinates needs an initialModel that lists them');
  if (c.optimizer !== 'fedavg' && c.optimizer !== 'fedadam') throw new Error('optimizer must be fedavg or fedadam');
  if (!(c.minClients >= 2 && c.maxClients >= c.minClients)) throw new Error('need 2 <= minClients <= maxClients');
  if (!(
    c.noiseMultiplier >= 0 &&
    c.population >= 1 &&
    c.epsilonBudget > 0 &&
    c.delta >= 0 &&
    c.delta < 1 &&
    c.clip > 0
  ))
    throw new Error('need noiseMultiplier >= 0, population >= 1, epsilonBudget > 0, 0 <= delta < 1, clip > 0');
  if (!(c.neighbors === 0 || (Number.isInteger(c.neighbors) && c.neighbors >= 2)))
    throw new Error('neighbors must be 0 (automatic) or an integer >= 2');
  if (!(c.requestTimeoutMs >= 100 && c.checkinsPerMinute >= 0 && c.statusPerMinute >= 0 && c.maxHeldPolls >= 0))
    throw new Error('need requestTimeoutMs >= 100 and non-negative checkinsPerMinute, statusPerMinute, maxHeldPolls');
  if (!(c.cohortPool >= 1)) throw new Error('cohortPool must be >= 1');
  if (!(c.analyticsEpsilon > 0 && Number.isFinite(c.analyticsEpsilon) && c.analyticsDelta >= 0 && c.analyticsDelta < 1))
    throw new Error('need a finite analyticsEpsilon > 0 and 0 <= analyticsDelta < 1');
  if (!(Number.isInteger(c.analyticsMaxClients) && c.analyticsMaxClients >= c.minClients))
    throw new Error('analyticsMaxClients must be an integer >= minClients');
  if (!(c.analyticsBudget >= c.analyticsEpsilon))
    throw new Error('analyticsBudget must be at least analyticsEpsilon (one period)');
  if (c.database && !/^postgres(ql)?:\/\//.test(c.database))
    throw new Error('database must be a postgres:// URL (or empty for the embedded SQLite file under dataDir)');
  checkThresholdFraction(c.thresholdFraction);
  return c;
}

/** Throws unless `fraction` is a majority share of the cohort, in (0.5, 1]. */
export function checkThresholdFraction(fraction: number): void {
  if (!(fraction > 0.5 && fraction <= 1))
    throw new Error(
      `thresholdFraction must be in (0.5, 1]: a majority is needed so two disjoint groups cannot both unmask; got ${fraction}`,
    );
}

/** Throws unless the server either admits by ticket with a usable key or was told to admit anyone. */
export function checkAdmission(c: Pick<ServerConfig, 'openAdmission' | 'admissionKey'>): void {
  if (c.openAdmission) return;
  if (!c.admissionKey)
    throw new Error(
      "admission: set --admission-key (the shop's ticket key, base64 of at least 32 random bytes) " +
        'or, for demos and tests only, --open-admission true',
    );
  if (!/^[A-Za-z0-9+/]{43,}={0,2}$/.test(c.admissionKey) || atob(c.admissionKey).length < 32)
    throw new Error('admissionKey must be base64 of at least 32 bytes');
}
