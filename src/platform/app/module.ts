import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { Kysely } from 'kysely';
import type { Config } from '../../config/index.js';
import type { EventBus } from '../bus/event-bus.js';
import type { DialectName } from '../db/connect.js';
import type { Database } from '../db/tables.js';
import type { PeriodicTask } from '../jobs/periodic.js';

/** The server every module registers its routes on. */
export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** What every module's setup receives: the process's database, bus, configuration and log. */
export interface ModuleContext {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  readonly bus: EventBus;
  readonly config: Config;
  readonly log: FastifyBaseLogger;
}

/** What a module's setup hands back to the app, beside the services other modules use. */
export interface ModuleParts {
  /** Registers the module's routes. */
  readonly routes?: (app: App) => PromiseLike<unknown>;
  /** Periodic work; with several processes sharing Redis, one of them runs each task. */
  readonly periodic?: readonly PeriodicTask[];
  /** Background work, started when the server is ready in processes that run background work. */
  readonly start?: () => Promise<void> | void;
  /** Stops the background work, before the database closes. */
  readonly stop?: () => Promise<unknown>;
}
