/**
 * The properties MQTT 5 allows in a CONNECT and in its will (OASIS MQTT 5.0, 3.1.2.11 and 3.1.3.2).
 * mqtt-packet parses every known property in any packet; Mosquitto closes the connection on one that does
 * not belong ("protocol error"), and so does the broker.
 */
const CONNECT = new Set([
  'sessionExpiryInterval',
  'receiveMaximum',
  'maximumPacketSize',
  'topicAliasMaximum',
  'requestResponseInformation',
  'requestProblemInformation',
  'userProperties',
  'authenticationMethod',
  'authenticationData',
]);

const WILL = new Set([
  'willDelayInterval',
  'payloadFormatIndicator',
  'messageExpiryInterval',
  'contentType',
  'responseTopic',
  'correlationData',
  'userProperties',
]);

/** The first property of a v5 CONNECT (or its will) that does not belong there, if any. */
export function misplacedConnectProperty(packet: {
  properties?: object;
  will?: { properties?: object } | null;
}): string | undefined {
  for (const name of Object.keys(packet.properties ?? {})) if (!CONNECT.has(name)) return name;
  for (const name of Object.keys(packet.will?.properties ?? {}))
    if (!WILL.has(name)) return `${name} (in the will)`;
  return undefined;
}
