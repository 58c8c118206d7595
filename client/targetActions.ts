/**
 * Entry of dist/targetActions.js: Apply and Rollback, with what only they need (the validator,
 * the OpenTelemetry SDK, the fleet rollout). The extension loads this bundle on the first apply
 * or rollback (client/commands.ts), so activation never parses it.
 */
export { applyDocument } from './apply';
export { rollbackTarget } from './rollback';
