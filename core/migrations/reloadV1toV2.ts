/** reload/v1 (flat) → reload/v2, as DESIGN.md §3.3 maps it. */
import { asString, own, type JsonObject } from '../jsonc/read';
import { copyExtensions, isUuid, refuse, slug, type MigrationStep, type StepResult } from './step';

const ON_FAILURE: Record<string, string> = { auto_revert_to_previous_stable: 'revert', manual: 'pause', none: 'none' };
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;

export const reloadV1toV2: MigrationStep = {
  from: 'reload/v1',
  to: 'reload/v2',
  migrate(v1: JsonObject): StepResult {
    const modelName = asString(own(v1, 'model_name')) ?? '';
    const version = asString(own(v1, 'model_version')) ?? '';
    const artifactUri = asString(own(v1, 'model_artifact_uri')) ?? '';
    const preprocessing = asString(own(v1, 'preprocessing_config_uri'));
    const strategy = asString(own(v1, 'rollback_strategy'));
    const deploymentId = asString(own(v1, 'deployment_id'));
    const initiator = asString(own(v1, 'initiator_user_id'));

    const id = slug(modelName);
    if (!id) return refuse('/model_name', `"${modelName}" has no letters or digits to make a change id from; rename the model.`);
    if (!VERSION.test(version)) {
      return refuse('/model_version', `"${version}" is not a valid reload/v2 version (up to 64 letters, digits, '.', '_', '+' or '-'); fix it first.`);
    }
    const name = deploymentId !== undefined ? slug(deploymentId) : id;
    if (!name) return refuse('/deployment_id', `"${deploymentId}" has no letters or digits to make metadata.name from; fix it first.`);

    const moved = new Map<string, string>([
      ['/apiVersion', '/apiVersion'],
      ['/model_name', '/spec/changes/0/id'],
      ['/model_version', '/spec/changes/0/version'],
      ['/model_artifact_uri', '/spec/changes/0/artifact'],
    ]);
    const annotations: Record<string, string> = { 'reload/legacy-model-name': modelName };
    const metadata: JsonObject = { name };
    if (deploymentId !== undefined) {
      annotations['reload/legacy-deployment-id'] = deploymentId;
      if (isUuid(deploymentId)) metadata.uid = deploymentId.toLowerCase();
      moved.set('/deployment_id', '/metadata/name');
    }
    if (initiator !== undefined) {
      metadata.initiator = initiator;
      moved.set('/initiator_user_id', '/metadata/initiator');
    }
    metadata.annotations = annotations;

    const model: JsonObject = { kind: 'Model', id, version, artifact: { uri: artifactUri } };
    const changes: JsonObject[] = [model];
    if (preprocessing !== undefined) {
      const configId = `${id.slice(0, 63 - '-preprocessing'.length)}-preprocessing`;
      model.preprocessing = { configRef: `config:${configId}` };
      changes.push({ kind: 'Config', id: configId, source: { uri: preprocessing } });
      moved.set('/preprocessing_config_uri', '/spec/changes/1/source');
    }
    const spec: JsonObject = { changes };
    if (strategy !== undefined) {
      spec.rollback = { onFailure: ON_FAILURE[strategy] };
      moved.set('/rollback_strategy', '/spec/rollback');
    }
    const value: JsonObject = { apiVersion: 'reload/v2', kind: 'ReloadManifest', metadata, spec };
    copyExtensions(v1, value, moved);
    return { ok: true, value, moved };
  },
};
