export { runQuickstart, type QuickstartOptions, type QuickstartResult } from './run-quickstart.js';
export { QUICKSTART, quickstartAcl, quickstartConf, serverNames } from './quickstart-plan.js';
export { portIsFree, firstFreePort } from './free-port.js';
