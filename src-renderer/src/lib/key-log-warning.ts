/** The warning shown wherever the app offers a TLS key log (the client profile; the inspector when it gets one). */
export const KEY_LOG_WARNING =
  'Anyone who has this file can decrypt the recorded TLS traffic of these connections (passwords and ' +
  'messages included). Keep it private and delete it when you are done.';
