/**
 * Mosquitto ACL files: parse and format them losslessly, answer "may this client read/write this topic?"
 * exactly as Mosquitto 2.0.11 does (with the deciding rule), lint them, and derive the username a TLS
 * client certificate gets. One evaluator for the broker, the ACL view and `mqtt-tls-studio acl`.
 */
export type {
  AclAccess,
  AclFile,
  AclLine,
  AclRequest,
  BlankLine,
  CommentLine,
  InvalidLine,
  RuleLine,
  UserLine,
} from './acl-file.js';
export { accessCovers } from './acl-file.js';
export { parseAcl, readAcl, printable } from './parse-acl.js';
export { formatAcl, ruleText, userText } from './format-acl.js';
export { aclLists, type AclLists } from './acl-lists.js';
export { evaluateAcl, type AclAnswer, type AclQuestion, type DecidingRule } from './evaluate-acl.js';
export { expandPattern } from './expand-pattern.js';
export {
  topicMatchesFilter,
  filterProblem,
  isPublishTopic,
  isMqttString,
  TOPIC_HIERARCHY_LIMIT,
} from './topic-filter.js';
export {
  usernameFromCertificate,
  type CertificateNames,
  type CertificateUsername,
  type ListenerIdentityOptions,
} from './certificate-username.js';
export { lintAcl, type AclDiagnostic } from './lint-acl.js';
export { filterCovers, filtersOverlap } from './filter-relations.js';
