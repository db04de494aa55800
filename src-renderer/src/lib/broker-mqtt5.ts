/** How the Broker view names MQTT protocol levels and MQTT 5 reason codes (the log sends the names). */

export function protocolLabel(level: number | undefined): string {
  if (level === 3) return 'MQTT 3.1';
  if (level === 4) return 'MQTT 3.1.1';
  if (level === 5) return 'MQTT 5';
  return level === undefined ? '—' : `level ${level}`;
}

/** `0x87 Not authorized`. */
export function reasonCodeLabel(code: number, name?: string): string {
  const hex = `0x${code.toString(16).padStart(2, '0').toUpperCase()}`;
  return name ? `${hex} ${name}` : hex;
}
