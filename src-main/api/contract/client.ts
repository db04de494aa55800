// The client domain's api methods and events. See ../FOUNDATION.md for how to add methods.
// import { z } from 'zod';
// import { method, returns } from './method.js';

export const clientMethods = {};

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ClientEvents {}
