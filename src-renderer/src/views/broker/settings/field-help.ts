// One line per setting of the Broker view's form: what Mosquitto does with it, and the classic mistake.

export const HELP: Record<string, string> = {
  port: 'The TCP port this listener accepts connections on. 8883 is MQTT over TLS, 1883 plain MQTT; two listeners cannot share a port on one address.',
  bindAddress:
    'Empty: loopback only (127.0.0.1 and ::1) — the LAN switch of the Broker view opens the workspace broker to the network. Mosquitto itself binds every interface when this is empty.',
  protocol:
    'mqtt for devices and mosquitto_pub; websockets for browsers. Mosquitto 2.0.11 does not start with websockets listeners only.',
  tls: 'TLS is on only when both certfile and keyfile are set: a certfile alone silently serves plain, unencrypted MQTT.',
  certfile:
    'The server certificate followed by its intermediate CA(s). Leaving out the intermediate is the classic "unknown ca" at the client.',
  keyfile:
    "The server certificate's private key (PEM, unencrypted, mode 0600). A key of another certificate stops Mosquitto: key values mismatch.",
  cafile:
    'The CA(s) that issued the client certificates (with their root). Only asked for with require_certificate; without it every client certificate fails to verify.',
  crlfile:
    'A CRL of the CA that issues client certificates: revoked clients are refused. An expired CRL refuses every client; websockets listeners ignore it.',
  tlsVersion:
    'The lowest TLS version accepted (a minimum, not the only one). tlsv1.3 refuses clients that can only do TLS 1.2 (older devices).',
  ciphers:
    'TLS 1.2 cipher suites (OpenSSL names, colon-separated). TLS_… names belong in ciphers_tls1.3, not here.',
  ciphersTls13:
    'TLS 1.3 cipher suites, e.g. TLS_AES_256_GCM_SHA384. Leaving it empty keeps OpenSSL’s safe defaults.',
  requireCertificate:
    'Ask every client for a certificate signed by a CA in cafile; clients without one are refused in the handshake.',
  usernameFrom:
    'Where the username (and so the ACL’s %u) comes from. With CN or subject the password is never checked — and without require_certificate every client is refused.',
  pskHint:
    'Turns on TLS-PSK (pre-shared keys, no certificates): sent to the client as a hint. Never on the same listener as certfile/keyfile — Mosquitto 2.0.11 then refuses to start or ignores the PSK.',
  pskFile: 'identity:hexkey lines. The identity can become the username (use_identity_as_username).',
  allowAnonymous:
    'Let clients in without a username. Mosquitto 2.x defaults to false: a broker with no password file and no certificate identity refuses everyone.',
  perListenerSettings:
    'Give each listener its own allow_anonymous, password file, ACL and PSK file. Must come before every other security option in the file.',
  passwordFile:
    'Users and their $7$ password hashes, as mosquitto_passwd writes them. A wrong or unknown user gets CONNACK 5 (not authorized).',
  aclFile:
    'Who may publish and subscribe where. Edit it in the ACL view; a user with no matching rule is denied everything.',
  tlsEngine:
    'An OpenSSL engine (e.g. pkcs11 for a key in a hardware module). Production Mosquitto loads it; the local broker (Node’s OpenSSL) loads no engines.',
  tlsKeyform:
    'pem: keyfile is a file. engine: keyfile names a key inside the engine — only production Mosquitto can reach it, so the local broker cannot run that listener.',
  tlsEngineKpassSha1:
    'The SHA-1 of the engine key’s password, handed to the engine by production Mosquitto only.',
  requireOcsp:
    'require_ocsp is not a listener option of Mosquitto 2.0.11: it refuses to start ("Unknown configuration variable"). Only bridges have bridge_require_ocsp.',
};
