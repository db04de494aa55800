/** A fleet of MQTT clients connecting, publishing and subscribing at given rates: `bench` and the Bench panel. */
export * from './bench-run.js';
export * from './fleet-identities.js';
export * from './latency-histogram.js';
export * from './trust-file.js';
