/** The warning shown wherever a TLS key log is offered (plain text, no Node imports: the renderer shows it). */
export const KEY_LOG_WARNING =
  'Anyone who has this file can decrypt the recorded TLS traffic of these connections (passwords and ' +
  'messages included). Keep it private and delete it when you are done.';
