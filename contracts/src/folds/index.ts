// Folds over contract events that more than one service needs (`@industrial/contracts/folds`):
// one function per read model, so the services that read it cannot disagree.
export {
  MODEL_DEPLOYMENT_EVENT_TYPES,
  deploymentKey,
  emptyModelDeployments,
  evolveModelDeployments,
  holderOf,
  modelDeploymentsFold,
  parseDeploymentKey,
} from './model-deployments.ts';
export type { DeploymentEvent, DeploymentStage, ModelDeployments, Refusal, RegisteredVersionData } from './model-deployments.ts';
