// The client domain's api methods and events. See ../FOUNDATION.md for how to add methods.
import { z } from 'zod';
import { method, returns } from './method.js';
import { clientFileMethods } from './client-files.js';
import type {
  ConnectionProfile,
  MessageProperties,
  PublishHistoryEntry,
  PublishResult,
  SessionSnapshot,
  SubscriptionResult,
} from '../../core/client/index.js';

export type { ConnectionProfile, PublishHistoryEntry, PublishResult, SessionSnapshot, SubscriptionResult };

/** A received message as it crosses a transport: the payload as base64. */
export interface WireMessage {
  id: number;
  /** Arrival time, ms since the epoch. */
  time: number;
  topic: string;
  /** Payload bytes, base64. */
  payload: string;
  /** Payload size in bytes. */
  size: number;
  qos: 0 | 1 | 2;
  retain: boolean;
  dup: boolean;
  properties?: MessageProperties;
}

export interface WireLogPage {
  messages: WireMessage[];
  matched: number;
  size: number;
  received: number;
  dropped: number;
}

const id = z.string().min(1).max(40);
const qos = z.union([z.literal(0), z.literal(1), z.literal(2)]);
/** Profiles are checked field by field in core (errors name the field); here only their shape. */
const profileObject = z.record(z.string(), z.unknown());

const subscription = z
  .object({
    filter: z.string(),
    qos: qos.default(0),
    noLocal: z.boolean().optional(),
    retainAsPublished: z.boolean().optional(),
    retainHandling: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(),
  })
  .strict();

const publishProperties = z
  .object({
    payloadFormatIndicator: z.boolean().optional(),
    messageExpiryInterval: z.number().int().min(0).optional(),
    contentType: z.string().optional(),
    responseTopic: z.string().optional(),
    correlationData: z.string().optional(),
    userProperties: z.record(z.string(), z.string()).optional(),
  })
  .strict();

export const clientMethods = {
  ...clientFileMethods,
  /** Saved connection profiles (profiles.json). */
  'client.profiles': method(z.object({}).strict(), returns<ConnectionProfile[]>(), {
    readonly: true,
    example: {},
  }),
  /** Save a profile (validated; `replacing` renames). Secrets are kept only when the profile says so. */
  'client.saveProfile': method(
    z.object({ profile: profileObject, replacing: z.string().optional() }).strict(),
    returns<ConnectionProfile>(),
    { example: { profile: { name: 'example', url: 'mqtt://localhost:1883' } } },
  ),
  'client.deleteProfile': method(
    z.object({ name: z.string().min(1) }).strict(),
    returns<{ removed: string }>(),
  ),
  /**
   * Open a connection from a saved profile (by name) or an inline one. Password and passphrase given
   * here are used for this connection only. A refused connection stays listed with its problem.
   */
  'client.connect': method(
    z
      .object({
        profile: z.union([z.string().min(1), profileObject]),
        password: z.string().optional(),
        passphrase: z.string().optional(),
        /**
         * Append this connection's TLS secrets (NSS key log, for Wireshark) to this absolute path, mode
         * 0600; used for this connection only, never saved. Refused inside the workspace folder.
         */
        keyLogFile: z.string().max(4096).optional(),
      })
      .strict(),
    returns<SessionSnapshot>(),
  ),
  /** Every open (or failed) connection of this app. */
  'client.sessions': method(z.object({}).strict(), returns<SessionSnapshot[]>(), {
    readonly: true,
    example: {},
  }),
  'client.reconnect': method(z.object({ id }).strict(), returns<SessionSnapshot>()),
  'client.disconnect': method(z.object({ id }).strict(), returns<SessionSnapshot>()),
  /** Disconnect and forget a connection with its log and history. */
  'client.close': method(z.object({ id }).strict(), returns<{ closed: string }>()),
  'client.subscribe': method(
    z.object({ id, filters: z.array(subscription).min(1).max(100) }).strict(),
    returns<SubscriptionResult[]>(),
  ),
  'client.unsubscribe': method(
    z.object({ id, filters: z.array(z.string()).min(1).max(100) }).strict(),
    returns<SessionSnapshot>(),
  ),
  'client.publish': method(
    z
      .object({
        id,
        topic: z.string(),
        payload: z.string().default(''),
        format: z.enum(['text', 'json', 'hex', 'base64']).default('text'),
        qos: qos.default(0),
        retain: z.boolean().default(false),
        properties: publishProperties.optional(),
      })
      .strict(),
    returns<PublishResult>(),
  ),
  /** A page of a connection's message log (topic: MQTT filter when it has + or #, else a substring). */
  'client.messages': method(
    z
      .object({
        id,
        topic: z.string().optional(),
        afterId: z.number().int().min(0).optional(),
        beforeId: z.number().int().min(0).optional(),
        offset: z.number().int().min(0).optional(),
        limit: z.number().int().min(1).max(100_000).default(1000),
        newestFirst: z.boolean().optional(),
      })
      .strict(),
    returns<WireLogPage>(),
    { readonly: true },
  ),
  'client.clearLog': method(z.object({ id }).strict(), returns<SessionSnapshot>()),
  'client.setLogSize': method(
    z.object({ id, size: z.number().int().min(10).max(1_000_000) }).strict(),
    returns<SessionSnapshot>(),
  ),
  /** Recent distinct publishes of a connection, newest first, to send again. */
  'client.history': method(z.object({ id }).strict(), returns<PublishHistoryEntry[]>(), { readonly: true }),
};

export interface ClientEvents {
  /** A connection changed state, subscriptions or log counters. */
  'client.state': SessionSnapshot;
  /** New messages of a connection, batched (at most every 50 ms). `skipped`: arrived but already out of the log. */
  'client.messages': { id: string; messages: WireMessage[]; skipped: number };
  /** A connection was closed and forgotten. */
  'client.removed': { id: string };
  /** The saved profiles changed. */
  'client.profiles': { names: string[] };
}
